// `node bench/telemetry-solo-run.mjs`: telemetry's CPU per request with each gateway measured alone on a
// core of its own. bench/telemetry-run.mjs keeps both gateways up and loads them in turns, with FerretDB
// free to run on their core; here the bench, the simulators and FerretDB are pinned to core 0 and one
// gateway at a time runs on core 1 (the other is stopped), as with a store on its own host. Order:
// off, on (MongoDB), on (CSV: MongoDB unreachable), repeated BENCH_SOLO_ROUNDS times; each gateway gets
// BENCH_SOLO_WARMUP requests, then BENCH_SOLO_REQUESTS measured ones; CPU per request by thread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMongo } from '@llm-gateway/testkit';
import { uniqueChatLoad } from './lib/json-load.mjs';
import { pinSelf, startGateway, startUpstreams, telemetryOf, threadCpuOf } from './lib/processes.mjs';
import { median } from './lib/rounds.mjs';
import { giveUpAfter, envNumber as number } from './lib/run-kit.mjs';

const settings = {
  rounds: number('BENCH_SOLO_ROUNDS', 3),
  requests: number('BENCH_SOLO_REQUESTS', 20_000),
  warmup: number('BENCH_SOLO_WARMUP', 6_000),
  concurrency: number('BENCH_TELEMETRY_CONCURRENCY', 20),
};
const key = 'bench-client-key';
const profile = (file) => fileURLToPath(new URL(file, import.meta.url));
const stops = [];
giveUpAfter('bench telemetry solo', stops, 900_000);

pinSelf('0');
const upstreams = await startUpstreams();
stops.push(() => upstreams.stop());
const mongo = await startMongo({ dbName: 'bench_telemetry_solo' });
stops.push(() => mongo.stop());
const csvDir = mkdtempSync(join(tmpdir(), 'bench-telemetry-solo-'));
stops.push(async () => rmSync(csvDir, { recursive: true, force: true }));
const env = {
  BENCH_API_KEY: key,
  BENCH_UPSTREAM_KEY: 'bench-upstream-key',
  BENCH_UPSTREAM_URL: upstreams.fast,
  BENCH_SLOW_UPSTREAM_URL: upstreams.slow,
  BENCH_CSV_DIR: csvDir,
  LOG_LEVEL: 'warn',
};
const variants = [
  { name: 'off', profile: profile('./profile.yaml'), env },
  {
    name: 'mongo',
    profile: profile('./profile-telemetry.yaml'),
    env: { ...env, BENCH_MONGO_URI: mongo.url },
  },
  // Port 9 (discard) refuses: every batch goes to CSV.
  {
    name: 'csv',
    profile: profile('./profile-telemetry.yaml'),
    env: { ...env, BENCH_MONGO_URI: 'mongodb://127.0.0.1:9' },
  },
];

/** Microseconds of CPU per request over the measured requests, total and by thread. */
async function measure(variant, round) {
  const gateway = await startGateway({ profile: variant.profile, env: variant.env, cpus: '1' });
  try {
    const load = uniqueChatLoad({
      key,
      tag: `solo ${variant.name} ${round}`,
      concurrency: settings.concurrency,
    });
    await load(gateway, settings.warmup);
    const before = threadCpuOf(gateway.pid);
    await load(gateway, settings.requests);
    const after = threadCpuOf(gateway.pid);
    const threads = {};
    for (const [thread, seconds] of Object.entries(after)) {
      const us = Math.round(((seconds - (before[thread] ?? 0)) * 1e6) / settings.requests);
      if (us > 0) threads[thread] = us;
    }
    const total = Object.values(threads).reduce((sum, us) => sum + us, 0);
    const telemetry = variant.name === 'off' ? undefined : await telemetryOf(gateway);
    return {
      variant: variant.name,
      round,
      total,
      threads,
      ...(telemetry ? { dropped: telemetry.dropped } : {}),
    };
  } finally {
    await gateway.stop();
  }
}

const rows = [];
try {
  for (let round = 1; round <= settings.rounds; round++) {
    for (const variant of variants) {
      const row = await measure(variant, round);
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  const totalOf = (name) => median(rows.filter((row) => row.variant === name).map((row) => row.total));
  const off = totalOf('off');
  for (const name of ['mongo', 'csv']) {
    const on = totalOf(name);
    console.log(
      `${name}: ${on} µs against ${off} µs off per request: x${(on / off).toFixed(3)} (target <= 1.05)`,
    );
  }
} finally {
  for (const stop of stops.reverse()) await stop();
}
process.exit(0);
