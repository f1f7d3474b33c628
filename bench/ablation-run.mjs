// `node bench/ablation-run.mjs` (issue 14): what each production feature costs. The gateway on
// bench/profile-production.yaml, then with one more feature off per step (telemetry, access log,
// metrics, rate limit + breaker + retries, auth), down to Fastify + pipeline + SDK; the bare proxy in
// the same run. Every process measured is pinned to core 1, everything else to core 0; every gateway
// is warmed for BENCH_ABLATION_WARMUP s (V8's tier-up on one busy core takes ~20 s), then all are
// loaded in turns (order reversed every other round) with autocannon at the 0 ms upstream.
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMongo } from '@llm-gateway/testkit';
import { cannon } from './lib/cannon.mjs';
import { pinSelf, repoRoot, startBareProxy, startGateway, startUpstreams } from './lib/processes.mjs';
import { productionEnv } from './lib/production-env.mjs';
import { median } from './lib/rounds.mjs';
import { envNumber, giveUpAfter } from './lib/run-kit.mjs';

const settings = {
  warmupS: envNumber('BENCH_ABLATION_WARMUP', 25),
  roundS: envNumber('BENCH_ABLATION_ROUND', 6),
  rounds: envNumber('BENCH_ABLATION_ROUNDS', 4),
  connections: envNumber('BENCH_CONNECTIONS', 50),
};
const clientKey = 'bench-ablation-client-key-77f0';
const upstreamKey = 'bench-ablation-upstream-key-1b2c';
const core = '1';

/** Each step turns one more feature off (a text edit of the production profile, checked to apply). */
const steps = [
  { name: 'all features (production)', edit: (text) => text },
  { name: '- telemetry', edit: (text) => text.replace(/^telemetry:\n(?: .*\n|\n)*/m, '') },
  { name: '- access log (level warn)', env: { LOG_LEVEL: 'warn' } },
  {
    name: '- metrics',
    edit: (text) => text.replace(/^metrics:\n {2}enabled: true/m, 'metrics:\n  enabled: false'),
  },
  {
    name: '- rate limit, breaker, retries',
    edit: (text) =>
      text
        .replace(/^rateLimit:\n {2}enabled: true/m, 'rateLimit:\n  enabled: false')
        .replace(/circuitBreaker:\n {4}enabled: true/, 'circuitBreaker:\n    enabled: false')
        .replace(/attempts: 3/, 'attempts: 1'),
  },
  { name: '- auth', edit: (text) => text.replace(/auth: \[keys\]/, 'auth: []') },
];

const stops = [];
giveUpAfter('bench ablation', stops, 30 * 60_000);
const scratch = mkdtempSync(join(tmpdir(), 'bench-ablation-'));
stops.push(async () => rmSync(scratch, { recursive: true, force: true }));

/** The profiles of every step: each applies its edit on top of the previous step's text. */
function stepProfiles() {
  let text = readFileSync(join(repoRoot, 'bench/profile-production.yaml'), 'utf8');
  let env = {};
  return steps.map((step, index) => {
    const edited = step.edit ? step.edit(text) : text;
    if (step.edit && index > 0 && edited === text) throw new Error(`step "${step.name}" changed nothing`);
    text = edited;
    env = { ...env, ...step.env };
    const file = join(scratch, `step-${index}.yaml`);
    writeFileSync(file, text);
    return { ...step, file, env };
  });
}

let prompts = 0;
const body = () =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `Ablation request ${++prompts}: answer briefly.` }],
  });

async function main() {
  pinSelf('0');
  const upstreams = await startUpstreams();
  stops.push(() => upstreams.stop());
  const mongo = await startMongo({ dbName: `bench_ablation_${Date.now().toString(36)}` });
  stops.push(() => mongo.stop());
  const bare = await startBareProxy({ upstreams: { fast: upstreams.fast }, cpus: core });
  stops.push(() => bare.stop());
  const targets = [
    {
      name: 'bare proxy',
      url: `${bare.urls.fast}/v1/chat/completions`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${upstreamKey}` },
      process: bare,
    },
  ];
  for (const [index, step] of stepProfiles().entries()) {
    const gateway = await startGateway({
      profile: step.file,
      env: {
        ...productionEnv({ upstreams, upstreamKey, clientKey, mongo, csvDir: join(scratch, `csv-${index}`) }),
        LOG_LEVEL: 'info',
        ...step.env,
      },
      stdout: openSync(join(scratch, `access-${index}.log`), 'a'),
      cpus: core,
    });
    stops.unshift(() => gateway.stop());
    targets.push({
      name: step.name,
      url: `${gateway.url}/v1/chat/completions`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${clientKey}` },
      process: gateway,
    });
  }
  const run = (t, durationS) =>
    cannon(
      t.name,
      { url: t.url, headers: t.headers, body, gateway: t.process },
      { durationS, connections: settings.connections },
    );
  console.log(`warm-up, ${settings.warmupS} s per gateway`);
  for (const t of targets) await run(t, t.name === 'bare proxy' ? 3 : settings.warmupS);
  const results = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let round = 0; round < settings.rounds; round++) {
    console.log(`round ${round + 1}`);
    for (const t of round % 2 ? [...targets].reverse() : targets) {
      const r = await run(t, settings.roundS);
      results[t.name].push({
        reqPerSec: r.reqPerSec,
        cpuUs: (r.gatewayCpuS / r.total) * 1e6,
        failed: r.non2xx + r.errors,
      });
    }
  }
  const bareRps = results['bare proxy'].map((r) => r.reqPerSec);
  const rows = targets.map((t) => {
    const list = results[t.name];
    return {
      name: t.name,
      reqPerSec: Math.round(median(list.map((r) => r.reqPerSec))),
      ratioToBare: Number(median(list.map((r, i) => r.reqPerSec / bareRps[i])).toFixed(2)),
      cpuUsPerRequest: Math.round(median(list.map((r) => r.cpuUs))),
      failed: list.reduce((sum, r) => sum + r.failed, 0),
    };
  });
  console.log('\nJSON at the 0 ms upstream, medians over rounds (ratio: per round, to the bare proxy)');
  console.log('step                            req/s  / bare  CPU us/req  step saves');
  rows.forEach((row, i) => {
    const saves = i > 1 ? `${rows[i - 1].cpuUsPerRequest - row.cpuUsPerRequest}` : '';
    console.log(
      `${row.name.padEnd(30)} ${String(row.reqPerSec).padStart(6)}  ${row.ratioToBare.toFixed(2).padStart(6)}` +
        `  ${String(row.cpuUsPerRequest).padStart(10)}  ${saves.padStart(10)}`,
    );
  });
  writeFileSync(
    join(repoRoot, 'bench/results/ablation-latest.json'),
    `${JSON.stringify({ settings, rows, rounds: results }, null, 2)}\n`,
  );
}

try {
  await main();
} finally {
  for (const stop of stops) await stop().catch(() => {});
}
process.exit(0);
