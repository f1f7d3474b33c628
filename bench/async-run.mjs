// `pnpm bench:async`: async mode end to end. One API-only gateway (configs/inference.yaml) and one
// `gateway worker` process on one real Redis (queue-bullmq), a 0 ms Ollama simulator; autocannon
// submits POST /generate for BENCH_ASYNC_DURATION seconds; then we wait until every accepted task
// has completed. Reports tasks submitted and completed per second, and /generate p50/p99.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startRedis } from '@llm-gateway/testkit';
import autocannon from 'autocannon';
import { cpuSecondsOf, repoRoot, startGateway } from './lib/processes.mjs';
import { giveUpAfter, envNumber as number } from './lib/run-kit.mjs';

const settings = {
  durationS: number('BENCH_ASYNC_DURATION', 10),
  connections: number('BENCH_ASYNC_CONNECTIONS', 50),
  workerConcurrency: number('BENCH_ASYNC_WORKER_CONCURRENCY', 64),
  drainTimeoutS: number('BENCH_ASYNC_DRAIN_TIMEOUT', 180),
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
};
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const profilesDir = `${resultsDir}profiles/`;
if (settings.cpuProfile) mkdirSync(profilesDir, { recursive: true });
/** `node --cpu-prof` flags writing `results/profiles/<name>.cpuprofile` (BENCH_CPU_PROF=1). */
const cpuProfArgs = (name) =>
  settings.cpuProfile
    ? ['--cpu-prof', '--cpu-prof-dir', profilesDir, '--cpu-prof-name', `${name}.cpuprofile`]
    : [];
const key = 'bench-async-key-3c9f1e27';
const profile = fileURLToPath(new URL('../configs/inference.yaml', import.meta.url));
const cliPath = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const stops = [];
giveUpAfter('bench async', stops, (settings.durationS + settings.drainTimeoutS + 120) * 1000);

/** Spawns a child in its own process group; resolves once a line matches `ready` (the match, plus `pid`). */
async function child(args, env, ready) {
  const proc = spawn(process.execPath, args, {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let logs = '';
  const found = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      logs += chunk;
      const match = ready.exec(logs);
      if (match) resolve(match);
    };
    proc.stdout.setEncoding('utf8').on('data', onData);
    proc.stderr.setEncoding('utf8').on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code})\n${logs}`)));
  });
  stops.push(async () => {
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {}
  });
  return Object.assign(await found, { pid: proc.pid });
}

const redis = await startRedis();
stops.push(() => redis.stop());
const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
const upstream = await child(
  [fileURLToPath(new URL('./lib/ollama-upstream.mjs', import.meta.url))],
  base,
  /^(\{.*\})$/m,
);
const env = {
  API_KEYS: key,
  OLLAMA_HOST: JSON.parse(upstream[1]).url,
  OLLAMA_MODEL: 'llama3.2',
  REDIS_URL: redis.url,
  WORKERS: '0',
  RATE_LIMIT: '100000000',
  RATE_LIMIT_BURST: '100000000',
  MAX_QUEUED: '10000000',
  LOG_LEVEL: 'warn',
};
const gateway = await startGateway({
  profile,
  env,
  ...(settings.cpuProfile ? { cpuProfile: `${profilesDir}async-gateway.cpuprofile` } : {}),
});
stops.push(() => gateway.stop());
const worker = await child(
  [...cpuProfArgs('async-worker'), cliPath, 'worker', '--profile', profile],
  { ...base, ...env, WORKERS: String(settings.workerConcurrency), LOG_LEVEL: 'info' },
  /worker running/,
);

const redisInfo = (section) =>
  execFileSync('redis-cli', ['-p', String(redis.port), 'INFO', section], { encoding: 'utf8' });

/** Redis commands run so far, by name (INFO commandstats). */
function redisCommands() {
  const calls = {};
  for (const match of redisInfo('commandstats').matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls[match[1]] = Number(match[2]);
  return calls;
}

/**
 * CPU seconds used so far by the gateway, the worker, Redis (INFO cpu, main thread and all), and what
 * shares their two cores: the Ollama simulator and this process (autocannon).
 */
function cpuNow() {
  const info = redisInfo('cpu');
  const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  const { user, system } = process.cpuUsage();
  return {
    gateway: gateway.cpuSeconds(),
    worker: cpuSecondsOf(worker.pid),
    redis: field('used_cpu_sys') + field('used_cpu_user'),
    simulator: cpuSecondsOf(upstream.pid),
    loadGenerator: (user + system) / 1e6,
  };
}

async function queueCounts() {
  const health = await (await fetch(`${gateway.url}/health`)).json();
  return health.queue;
}

console.log(
  `async run: ${settings.durationS} s of POST /generate, ${settings.connections} connections, 1 worker process (${settings.workerConcurrency} at once)`,
);
const commandsBefore = redisCommands();
const cpuBefore = cpuNow();
const startedAt = performance.now();
const load = await autocannon({
  url: `${gateway.url}/generate`,
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': key },
  body: JSON.stringify({ prompt: 'Benchmark task: answer briefly.', max_tokens: 64 }),
  connections: settings.connections,
  duration: settings.durationS,
  timeout: 30,
});
const submitSeconds = (performance.now() - startedAt) / 1000;
const accepted = load['2xx'];
let counts = await queueCounts();
const drainDeadline = Date.now() + settings.drainTimeoutS * 1000;
while (counts.completed + counts.failed < accepted && Date.now() < drainDeadline) {
  await sleep(200);
  counts = await queueCounts();
}
const totalSeconds = (performance.now() - startedAt) / 1000;
const commandsAfter = redisCommands();
const cpuAfter = cpuNow();
/** CPU milliseconds each process spent per finished task. */
const cpuMsPerTask = Object.fromEntries(
  Object.keys(cpuAfter).map((name) => [
    name,
    Number(
      ((1000 * (cpuAfter[name] - cpuBefore[name])) / Math.max(1, counts.completed + counts.failed)).toFixed(
        3,
      ),
    ),
  ]),
);
const finished = Math.max(1, counts.completed + counts.failed);
const perTask = Object.entries(commandsAfter)
  .map(([name, calls]) => [name, (calls - (commandsBefore[name] ?? 0)) / finished])
  .filter(([, calls]) => calls >= 0.01)
  .sort((a, b) => b[1] - a[1]);
const redisCommandsPerTask = Object.fromEntries(
  perTask.map(([name, calls]) => [name, Number(calls.toFixed(2))]),
);
const result = {
  at: new Date().toISOString(),
  settings,
  accepted,
  non2xx: load.non2xx,
  errors: load.errors,
  submittedPerSecond: accepted / submitSeconds,
  completed: counts.completed,
  failed: counts.failed,
  completedPerSecond: counts.completed / totalSeconds,
  endToEndSeconds: totalSeconds,
  generateLatencyMs: { p50: load.latency.p50, p99: load.latency.p99, mean: load.latency.average },
  redisCommandsPerTask,
  cpuMsPerTask,
};
console.log(
  `submitted ${accepted} tasks (${result.submittedPerSecond.toFixed(0)}/s, ${load.non2xx} non-2xx), ` +
    `completed ${counts.completed} (+${counts.failed} failed) in ${totalSeconds.toFixed(1)} s: ` +
    `${result.completedPerSecond.toFixed(0)} tasks/s end to end; POST /generate p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms`,
);
const total = perTask.reduce((sum, [, calls]) => sum + calls, 0);
console.log(
  `Redis commands per task: ${total.toFixed(1)} (${perTask.map(([name, calls]) => `${name} ${calls.toFixed(2)}`).join(', ')})`,
);
console.log(
  `CPU per task: gateway ${cpuMsPerTask.gateway} ms, worker ${cpuMsPerTask.worker} ms, Redis ${cpuMsPerTask.redis} ms; ` +
    `simulator ${cpuMsPerTask.simulator} ms, load generator ${cpuMsPerTask.loadGenerator} ms`,
);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(`${resultsDir}async-latest.json`, `${JSON.stringify(result, null, 2)}\n`);
await Promise.allSettled(stops.reverse().map((stop) => stop()));
process.exit(counts.completed + counts.failed >= accepted ? 0 : 1);
