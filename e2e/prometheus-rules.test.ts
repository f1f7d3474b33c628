/**
 * deploy/prometheus and deploy/grafana: the rules pass `promtool check rules` and their unit tests
 * (`promtool test rules`), the dashboard is well formed and every PromQL expression in it parses, and a
 * real Prometheus (Debian's binary, its own port and storage, 1 s scrapes) scraping two gateways and a
 * task worker (configs/inference.yaml, Redis, the Ollama simulator) records the expected series from real
 * traffic and fires the breaker alert when the upstream fails, and the worker alert when the worker goes.
 * Needs prometheus and promtool (`.ci/install-deps.sh --test` installs them); skipped with the reason otherwise.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  type RedisInstance,
  type Simulator,
  startOllamaSimulator,
  startRedis,
} from '@llm-gateway/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type Gateway, repoRoot, startGateway } from './helpers/gateway.js';
import { waitUntil } from './helpers/http.js';
import { INFERENCE_PROFILE, startWorker, submitTask, type WorkerProcess } from './helpers/inference.js';

const rulesFile = join(repoRoot, 'deploy/prometheus/llm-gateway.rules.yml');
const rulesTests = join(repoRoot, 'deploy/prometheus/tests/llm-gateway.rules.test.yml');
const dashboardFile = join(repoRoot, 'deploy/grafana/llm-gateway.json');

function tool(name: string): string | undefined {
  for (const candidate of [join(homedir(), '.gateway-tools/bin', name), `/usr/bin/${name}`]) {
    if (existsSync(candidate)) return candidate;
  }
  return spawnSync(name, ['--version']).status === 0 ? name : undefined;
}
const promtool = tool('promtool');
const prometheus = tool('prometheus');
if (!promtool || !prometheus)
  console.warn(
    'prometheus-rules.test.ts skipped: prometheus/promtool not installed (bash .ci/install-deps.sh --test)',
  );

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
}
const rules = parse(readFileSync(rulesFile, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: { name: string; type: string }[] };
  panels: {
    id: number;
    type: string;
    title: string;
    datasource: { type: string; uid: string };
    gridPos: { h: number; w: number; x: number; y: number };
    targets: { refId: string; expr: string; datasource: { uid: string } }[];
  }[];
};
const dashboardExprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));

/** Metric names an expression reads (identifiers before `{`, `[`, `)` or an operator), minus PromQL words. */
function metricNames(expr: string): string[] {
  const words = new Set([
    'by',
    'without',
    'and',
    'or',
    'unless',
    'on',
    'ignoring',
    'group_left',
    'group_right',
    'le',
  ]);
  const stripped = expr
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/"[^"]*"/g, '""');
  return [...stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[|\)|\s*[/><=!*+-]|\s*$)/g)]
    .map((match) => match[1]!)
    .filter((name) => !words.has(name) && !/^\d/.test(name));
}

describe.skipIf(!promtool || !prometheus)('Prometheus rules and the Grafana dashboard', () => {
  it('promtool check rules and the rules unit tests pass; a wrong expectation fails them (the check can fail)', () => {
    const check = run(promtool!, ['check', 'rules', rulesFile]);
    expect(check.code, check.output).toBe(0);
    const tested = run(promtool!, ['test', 'rules', rulesTests]);
    expect(tested.code, tested.output).toBe(0);
    expect(tested.output).toMatch(/SUCCESS/);

    const wrong = join(mkdtempSync(join(tmpdir(), 'e2e-rules-')), 'wrong.test.yml');
    const text = readFileSync(rulesTests, 'utf8').replace('../llm-gateway.rules.yml', rulesFile);
    writeFileSync(wrong, text.replace('value: 0.1\n', 'value: 0.2\n'));
    const failed = run(promtool!, ['test', 'rules', wrong]);
    expect(failed.code, failed.output).not.toBe(0);
    expect(failed.output).toMatch(/job:gateway_request_error_ratio:rate5m/);
  });

  it('the dashboard: unique panel ids and refIds, a Prometheus datasource variable, every expression parses', () => {
    expect(dashboard.uid).toBe('llm-gateway');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource' }),
    );
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.gridPos.w).toBeGreaterThan(0);
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      expect(panel.targets.length).toBeGreaterThan(0);
      expect(new Set(panel.targets.map((t) => t.refId)).size).toBe(panel.targets.length);
    }
    // promtool has no expression parser of its own: each expression becomes a recording rule it checks.
    const file = join(mkdtempSync(join(tmpdir(), 'e2e-dashboard-')), 'exprs.yml');
    const asRules = dashboardExprs.map((expr, i) => ({ record: `dashboard:expr_${i}`, expr }));
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: asRules }] }));
    const check = run(promtool!, ['check', 'rules', file]);
    expect(check.code, check.output).toBe(0);
    // A broken expression is refused the same way.
    writeFileSync(
      file,
      stringify({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum by (job (up)' }] }] }),
    );
    expect(run(promtool!, ['check', 'rules', file]).code).not.toBe(0);
    // The dashboard reads the recorded series, so they must be recorded.
    const recorded = new Set(
      rules.groups.flatMap((group) => group.rules.flatMap((rule) => rule.record ?? [])),
    );
    const used = new Set(dashboardExprs.flatMap(metricNames).filter((name) => name.includes(':')));
    for (const name of used) expect(recorded, name).toContain(name);
  });

  describe('a real Prometheus over two gateways and a worker', () => {
    let redis: RedisInstance | undefined;
    let sim: Simulator | undefined;
    const gateways: Gateway[] = [];
    let worker: WorkerProcess | undefined;
    let prom: ChildProcess | undefined;
    let promLogs = '';
    afterAll(async () => {
      prom?.kill('SIGKILL');
      worker?.kill('SIGKILL');
      await Promise.all(gateways.map((gateway) => gateway.stop()));
      await Promise.all([redis?.stop(), sim?.close()]);
    });

    it('records the series from real traffic, fires the breaker alert on a failing upstream and the worker alert without it', async () => {
      const key = 'key-e2e-prometheus';
      [redis, sim] = await Promise.all([startRedis(), startOllamaSimulator()]);
      const env = {
        API_KEYS: key,
        OLLAMA_HOST: sim.url,
        OLLAMA_MODEL: 'llama3.2',
        REDIS_URL: redis.url,
        WORKERS: '0',
        RATE_LIMIT: '100000',
        LOG_LEVEL: 'warn',
      };
      const workerPort = await freePort();
      const started = await Promise.all([
        startGateway({ profile: INFERENCE_PROFILE, env }),
        startGateway({ profile: INFERENCE_PROFILE, env }),
        startWorker({ ...env, WORKERS: '2', WORKER_METRICS_PORT: String(workerPort) }),
        // configs/default.yaml has telemetry sinks (inference.yaml none): their metrics are read from it.
        startGateway({ profile: 'configs/default.yaml', env: { LOG_LEVEL: 'warn' } }),
      ]);
      gateways.push(started[0], started[1]);
      worker = started[2];
      gateways.push(started[3]);
      const workerTarget = `127.0.0.1:${workerPort}`;

      // Every metric the rules and the dashboard read is one the gateway or the worker serves.
      const served = (
        await Promise.all(
          [`${gateways[0]!.url}/metrics`, `http://${workerTarget}/metrics`, `${started[3].url}/metrics`].map(
            async (url) => (await fetch(url)).text(),
          ),
        )
      ).join('\n');
      const exported = new Set([...served.matchAll(/^# TYPE (\S+)/gm)].map((match) => match[1]!));
      const read = [...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)), ...dashboardExprs]
        .flatMap(metricNames)
        .filter((name) => !name.includes(':') && name !== 'up')
        .map((name) => name.replace(/_(bucket|sum|count)$/, ''));
      for (const name of new Set(read)) expect(exported, `${name} on /metrics`).toContain(name);

      // Prometheus: 1 s scrapes and evaluations; the alerts' `for` set to 0 so they fire within the test.
      const dir = mkdtempSync(join(tmpdir(), 'e2e-prometheus-'));
      const fastRules = rules.groups.map((group) => ({
        ...group,
        rules: group.rules.map((rule) => (rule.for ? { ...rule, for: '0s' } : rule)),
      }));
      writeFileSync(join(dir, 'rules.yml'), stringify({ groups: fastRules }));
      const target = (url: string) => url.replace('http://', '');
      writeFileSync(
        join(dir, 'prometheus.yml'),
        stringify({
          global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '900ms' },
          rule_files: [join(dir, 'rules.yml')],
          scrape_configs: [
            {
              job_name: 'llm-gateway',
              static_configs: [{ targets: gateways.slice(0, 2).map((g) => target(g.url)) }],
            },
            { job_name: 'llm-gateway-worker', static_configs: [{ targets: [workerTarget] }] },
          ],
        }),
      );
      const promPort = await freePort();
      prom = spawn(
        prometheus!,
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      prom.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        promLogs = (promLogs + chunk).slice(-20_000);
      });
      const api = `http://127.0.0.1:${promPort}/api/v1`;
      const query = async (expr: string) => {
        const response = await fetch(`${api}/query?query=${encodeURIComponent(expr)}`).catch(() => undefined);
        if (!response?.ok) return [];
        const body = (await response.json()) as {
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
        return body.data.result;
      };
      const firing = async (name: string) => {
        const response = await fetch(`${api}/alerts`).catch(() => undefined);
        if (!response?.ok) return [];
        const body = (await response.json()) as {
          data: { alerts: { labels: Record<string, string>; state: string }[] };
        };
        return body.data.alerts.filter(
          (alert) => alert.labels['alertname'] === name && alert.state === 'firing',
        );
      };
      const eventually = (what: string, check: () => Promise<boolean>, timeoutMs = 40_000) =>
        waitUntil(check, `${what}\n--- prometheus ---\n${promLogs}`, timeoutMs);

      await eventually('all three targets up', async () => (await query('up == 1')).length === 3);

      // Real traffic: tasks submitted on both gateways, run by the worker.
      for (let i = 0; i < 6; i++) await submitTask(gateways[i % 2]!, `counted ${i}`, key);
      await eventually('the request rate recorded for the gateways', async () => {
        const [series] = await query('job:gateway_requests:rate5m{job="llm-gateway"}');
        return Number(series?.value[1]) > 0;
      });
      await eventually('the p95 overhead recorded', async () => {
        const [series] = await query('job:gateway_overhead_seconds:p95_5m{job="llm-gateway"}');
        return Number.isFinite(Number(series?.value[1])) && Number(series?.value[1]) > 0;
      });
      await eventually('the task wait recorded from the worker', async () => {
        const [series] = await query('job:gateway_task_queue_wait_seconds:p95_5m{job="llm-gateway-worker"}');
        return series !== undefined && Number.isFinite(Number(series.value[1]));
      });
      expect((await query('job:gateway_request_error_ratio:rate5m{job="llm-gateway"}'))[0]?.value[1]).toBe(
        '0',
      );
      expect(await firing('LLMGatewayUpstreamBreakerOpen')).toEqual([]);
      expect(await firing('LLMGatewayWorkerMissing')).toEqual([]);

      // The upstream fails: the worker's breaker opens and the alert fires, naming the backend.
      sim.inject({ status: 500, times: 1000, path: '/api/' });
      for (let i = 0; i < 8; i++) await submitTask(gateways[i % 2]!, `failing ${i}`, key);
      await eventually(
        'LLMGatewayUpstreamBreakerOpen firing',
        async () => (await firing('LLMGatewayUpstreamBreakerOpen')).length > 0,
      );
      expect((await firing('LLMGatewayUpstreamBreakerOpen'))[0]?.labels).toMatchObject({
        backend: 'ollama',
        job: 'llm-gateway-worker',
        instance: workerTarget,
      });
      await eventually('the upstream error ratio of ollama recorded above 0', async () => {
        const [series] = await query('job_backend:gateway_upstream_error_ratio:rate5m{backend="ollama"}');
        return Number(series?.value[1]) > 0;
      });

      // The worker goes: its alert fires.
      await worker.stop();
      await eventually(
        'LLMGatewayWorkerMissing firing',
        async () => (await firing('LLMGatewayWorkerMissing')).length > 0,
      );
    }, 180_000);
  });
});
