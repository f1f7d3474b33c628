/**
 * server.workers: the built gateway forks that many processes on one port, replaces one that dies,
 * stops them all on SIGTERM with every answered request recorded, and refuses to start a profile its
 * workers cannot serve (exit non-zero, no restart loop).
 */

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, runGatewayCli, startGateway } from './helpers/gateway.js';
import { postJson, waitUntil } from './helpers/http.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startOpenAISimulator();
});
afterAll(async () => {
  await sim?.close();
});

interface WorkerInfo {
  id: number;
  pid: number;
}

/** The worker that answered /health; undefined when the connection went to a worker as it was killed. */
async function workerOf(gateway: Gateway): Promise<WorkerInfo | undefined> {
  // A new connection each time, so the primary hands it to the next worker.
  const response = await fetch(`${gateway.url}/health`, {
    headers: { connection: 'close' },
    signal: AbortSignal.timeout(3000),
  }).catch(() => undefined);
  if (!response) return undefined;
  const body = (await response.json()) as { worker?: WorkerInfo };
  if (!body.worker) throw new Error(`no worker field in /health: ${JSON.stringify(body)}`);
  return body.worker;
}

/** Worker pids by worker id, from enough /health answers to have met every worker. */
async function workerPids(gateway: Gateway, count: number): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  await waitUntil(
    async () => {
      const worker = await workerOf(gateway);
      if (worker) seen.set(worker.id, worker.pid);
      return seen.size === count;
    },
    `${count} workers answering /health`,
    30_000,
  );
  return seen;
}

function chat(gateway: Gateway, prompt: string): Promise<Response> {
  return postJson(
    `${gateway.url}/v1/chat/completions`,
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] },
    { connection: 'close' },
  );
}

/** Data rows of every CSV day file in `dir` (one line per record: no field of a record holds a newline). */
function csvRecords(dir: string): { files: string[]; rows: number } {
  const files = readdirSync(dir).filter((name) => name.endsWith('.csv'));
  const rows = files
    .map((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean).length - 1)
    .reduce((a, b) => a + b, 0);
  return { files, rows };
}

/** gateway_requests_total of the chat endpoint, over every label set. */
function chatRequestsIn(prometheus: string): number {
  return prometheus
    .split('\n')
    .filter(
      (line) => line.startsWith('gateway_requests_total{') && line.includes('endpoint="chat.completions"'),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

function exitOf(gateway: Gateway): Promise<number | null> {
  const { child } = gateway;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** configs/default.yaml with two workers, the simulator as OpenAI and telemetry to a fresh CSV directory. */
async function startTwoWorkers(logLevel: string) {
  const csvDir = mkdtempSync(join(tmpdir(), 'e2e-cluster-csv-'));
  const gateway = await startGateway({
    profile: 'configs/default.yaml',
    env: {
      GATEWAY_WORKERS: '2',
      OPENAI_API_KEY: 'sk-e2e-cluster',
      OPENAI_BASE_URL: `${sim.url}/v1`,
      CSV_FALLBACK_DIR: csvDir,
      LOG_LEVEL: logLevel,
    },
    timeoutMs: 60_000,
  });
  return { gateway, csvDir };
}

describe('server.workers: 2 (GATEWAY_WORKERS on configs/default.yaml)', () => {
  it('serves from two processes, replaces a killed one, and drains both on SIGTERM with every record written', async () => {
    const { gateway, csvDir } = await startTwoWorkers('info');
    try {
      const first = await workerPids(gateway, 2);
      expect(new Set(first.values()).size).toBe(2);
      expect([...first.values()]).not.toContain(gateway.pid);
      expect(gateway.logs()).toMatch(/server\.workers=2: each worker keeps its own .*circuit breakers/);

      let answered = 0;
      const send = async (prompt: string) => {
        const response = await chat(gateway, prompt);
        expect(response.status).toBe(200);
        await response.json();
        answered += 1;
      };
      for (let i = 0; i < 10; i++) await send(`before ${i}`);

      // kill -9 worker 1: the primary forks a new worker 1. (A connection handed to it as it dies is lost,
      // as every connection of a lone gateway killed -9 would be.)
      const killed = first.get(1)!;
      process.kill(killed, 'SIGKILL');
      const recordsBeforeKill = answered;
      await waitUntil(
        async () => {
          const worker = await workerOf(gateway);
          return worker?.id === 1 && worker.pid !== killed;
        },
        'a new worker 1',
        60_000,
      );
      for (let i = 0; i < 10; i++) await send(`after ${i}`);
      expect(gateway.logs()).toMatch(/gateway worker 1 \(pid \d+\) died \(signal SIGKILL\); restarting it/);

      // SIGTERM to the primary alone: it stops the workers, they flush telemetry, all exit 0.
      const exit = exitOf(gateway);
      process.kill(gateway.pid, 'SIGTERM');
      expect(await exit).toBe(0);
      expect(gateway.logs()).toMatch(/shutdown complete[\s\S]*shutdown complete/);
      expect(() => process.kill(first.get(2)!, 0)).toThrow();

      // One file per worker and day; the killed worker's unflushed records are the only ones that may miss.
      const { files, rows } = csvRecords(csvDir);
      expect(files.every((name) => /^telemetry_\d{4}-\d{2}-\d{2}\.w[12]\.csv$/.test(name))).toBe(true);
      expect(rows).toBeGreaterThanOrEqual(answered - recordsBeforeKill);
      expect(rows).toBeLessThanOrEqual(answered);
    } finally {
      await gateway.stop();
    }
  }, 120_000);

  it('drains on SIGTERM with every answered request in the CSV files', async () => {
    const { gateway, csvDir } = await startTwoWorkers('warn');
    try {
      await workerPids(gateway, 2);
      const answers = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const response = await chat(gateway, `drain ${i}`);
          await response.json();
          return response.status;
        }),
      );
      expect(answers.every((status) => status === 200)).toBe(true);
      // /metrics (Prometheus) adds up both workers' counters, whichever worker serves it.
      for (let i = 0; i < 2; i++) {
        const text = await (
          await fetch(`${gateway.url}/metrics`, { headers: { connection: 'close' } })
        ).text();
        expect(chatRequestsIn(text)).toBe(40);
      }
      const exit = exitOf(gateway);
      process.kill(gateway.pid, 'SIGTERM');
      expect(await exit).toBe(0);
      const { files, rows } = csvRecords(csvDir);
      expect(rows).toBe(40);
      // Both workers answered some (round-robin over new connections), each into its own file.
      expect(files).toHaveLength(2);
    } finally {
      await gateway.stop();
    }
  }, 120_000);
});

describe('server.memory', () => {
  it('a lone gateway re-executes itself with --max-semi-space-size (same pid) unless NODE_OPTIONS sets it', async () => {
    const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const plain = await startGateway({ profile: 'configs/default.yaml', env: { LOG_LEVEL: 'warn' } });
    try {
      expect(cmdline(plain.pid)).toContain('--max-semi-space-size=16');
    } finally {
      await plain.stop();
    }
    const own = await startGateway({
      profile: 'configs/default.yaml',
      env: { LOG_LEVEL: 'warn', NODE_OPTIONS: '--max-semi-space-size=8' },
    });
    try {
      expect(cmdline(own.pid).some((arg) => arg.startsWith('--max-semi-space-size'))).toBe(false);
    } finally {
      await own.stop();
    }
  }, 90_000);
});

describe('a profile its workers cannot serve', () => {
  it('exits non-zero with the reason instead of restarting workers forever (queue-memory with 2 workers)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-cluster-profile-'));
    const profile = join(dir, 'gateway.yaml');
    writeFileSync(
      profile,
      [
        'server: { host: 127.0.0.1, port: 0, workers: 2 }',
        'logging: { level: warn }',
        'backends:',
        `  openai: { plugin: backend-openai, config: { apiKey: sk-e2e, baseURL: "${sim.url}/v1" } }`,
        'surfaces:',
        '  inference: { plugin: surface-inference, auth: [], config: { model: gpt-4o-mini } }',
        'queue: { plugin: queue-memory }',
        '',
      ].join('\n'),
    );
    const started = Date.now();
    const result = await runGatewayCli(['start', '--profile', profile], { timeoutMs: 60_000 });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.output).toMatch(
      /task queue \(queue-memory\) keeps tasks in one process, so with server\.workers=2/,
    );
    expect(result.output).toMatch(/before every worker was serving: not starting/);
    expect(Date.now() - started).toBeLessThan(60_000);

    const check = await runGatewayCli(['check', profile], { timeoutMs: 30_000 });
    expect(check.code).toBe(1);
    expect(check.output).toMatch(/server\.workers=2/);
  }, 120_000);

  it('gateway check names server.workers when it is not a positive integer', async () => {
    const result = await runGatewayCli(['check', 'configs/default.yaml'], {
      env: { GATEWAY_WORKERS: '0' },
    });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/server\.workers/);
  }, 30_000);
});
