// `pnpm bench:telemetry` (also a step of `pnpm bench`): the cost of storing one telemetry record per
// request. Two built gateways, one on bench/profile.yaml (telemetry off: no sink) and one on
// bench/profile-telemetry.yaml (MongoDB, a testkit FerretDB, then CSV), measured in turns with JSON chat
// requests against the 0 ms upstream: first with MongoDB up, then with it killed (batches go to CSV).
// Then MongoDB comes back and every record the gateway made must be stored once (CSV replayed).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startMongo } from '@llm-gateway/testkit';
import { printCpuSummary, summarizeCpuProfile } from './lib/cpu-top.mjs';
import { uniqueChatLoad } from './lib/json-load.mjs';
import { cpuSecondsOf, startGateway, startUpstreams, telemetryOf, threadCpuOf } from './lib/processes.mjs';
import { alternateRounds, perRoundCpuRatio, summarizeRounds } from './lib/rounds.mjs';
import { giveUpAfter, envNumber as number } from './lib/run-kit.mjs';

const settings = {
  rounds: number('BENCH_TELEMETRY_ROUNDS', 10),
  requests: number('BENCH_TELEMETRY_REQUESTS', 3000),
  concurrency: number('BENCH_TELEMETRY_CONCURRENCY', 20),
  warmup: number('BENCH_TELEMETRY_WARMUP', 15000),
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
};
/** CPU per request with telemetry on may be at most this many times that with it off. */
const target = 1.05;
const key = 'bench-client-key';
const profiles = {
  off: fileURLToPath(new URL('./profile.yaml', import.meta.url)),
  on: fileURLToPath(new URL('./profile-telemetry.yaml', import.meta.url)),
};
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const stops = [];
giveUpAfter('bench telemetry', stops, 600_000);

/** The pid of the process whose command line listens on `url`'s port (the testkit FerretDB), if found. */
function listenerPid(url) {
  const flag = `--listen-addr=127.0.0.1:${new URL(url).port}`;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(flag)) return Number(pid);
    } catch {}
  }
  return undefined;
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`bench telemetry: ${what} within ${timeoutMs} ms`);
}

try {
  const upstreams = await startUpstreams();
  stops.push(() => upstreams.stop());
  const mongo = await startMongo({ dbName: 'bench_telemetry' });
  stops.push(() => mongo.stop());
  const csvDir = mkdtempSync(join(tmpdir(), 'bench-telemetry-csv-'));
  stops.push(async () => rmSync(csvDir, { recursive: true, force: true }));
  if (settings.cpuProfile) mkdirSync(`${resultsDir}profiles`, { recursive: true });
  const env = {
    BENCH_API_KEY: key,
    BENCH_UPSTREAM_KEY: 'bench-upstream-key',
    BENCH_UPSTREAM_URL: upstreams.fast,
    BENCH_SLOW_UPSTREAM_URL: upstreams.slow,
    BENCH_MONGO_URI: mongo.url,
    BENCH_CSV_DIR: csvDir,
    LOG_LEVEL: 'warn',
    // The on gateway's telemetry.batchSize (profile-telemetry.yaml), 500 when unset.
    ...(process.env.BENCH_TELEMETRY_BATCH
      ? { BENCH_TELEMETRY_BATCH: process.env.BENCH_TELEMETRY_BATCH }
      : {}),
    // e.g. `--max-semi-space-size=64`: both gateways with another young generation than server.memory's 16 MiB.
    ...(process.env.BENCH_GATEWAY_NODE_OPTIONS
      ? { NODE_OPTIONS: process.env.BENCH_GATEWAY_NODE_OPTIONS }
      : {}),
  };
  const gateways = {};
  for (const name of ['off', 'on']) {
    gateways[name] = await startGateway({
      profile: profiles[name],
      env,
      ...(settings.cpuProfile ? { cpuProfile: `${resultsDir}profiles/telemetry-${name}.cpuprofile` } : {}),
    });
    stops.push(() => gateways[name].stop());
  }

  const load = uniqueChatLoad({ key, tag: 'telemetry', concurrency: settings.concurrency });
  const measure = (label) =>
    alternateRounds({ gateways, rounds: settings.rounds, requests: settings.requests, load, label });

  for (const gateway of Object.values(gateways)) await load(gateway, settings.warmup);
  // FerretDB shares the 2 cores: its CPU per record stored while the rounds ran is printed beside the ratio.
  const ferretPid = listenerPid(mongo.url);
  const ferretBefore = ferretPid ? cpuSecondsOf(ferretPid) : Number.NaN;
  const up = await measure('MongoDB up: ');
  const ferretCpuMsPerRecord =
    ((cpuSecondsOf(ferretPid) - ferretBefore) * 1000) / (settings.rounds * settings.requests);

  // MongoDB goes away: the batch in flight fails over to CSV (about 2 s), then every batch goes there.
  await mongo.kill();
  await load(gateways.on, settings.requests);
  await waitFor(
    'the gateway did not fail over to CSV',
    async () => (await telemetryOf(gateways.on)).store === 'csv',
    20_000,
  );
  const down = await measure('MongoDB down: ');

  // MongoDB is back: the failed sink is probed with backoff (up to 30 s), takes over, CSV is replayed.
  await mongo.restart();
  let final;
  await waitFor(
    'records were not all stored in MongoDB',
    async () => {
      final = await telemetryOf(gateways.on);
      const [mongoSink, csvSink] = ['mongo', 'csv'].map((name) =>
        final.sinks.find((sink) => sink.name === name),
      );
      // A replayed record counts in the Mongo sink's `written` too; the replay is done when all of CSV's went.
      return final.buffered === 0 && mongoSink.written >= final.recorded && final.replayed >= csvSink.written;
    },
    90_000,
  ).catch((error) => console.error(error.message));

  const summary = { mongoUp: summarizeRounds(up), mongoDown: summarizeRounds(down) };
  const ratios = {
    mongoUp: perRoundCpuRatio(up, 'on', 'off'),
    mongoDown: perRoundCpuRatio(down, 'on', 'off'),
  };
  const phases = { mongoUp: up, mongoDown: down };
  // The lowest and highest per-round ratio: `node bench/aa-run.mjs` shows how far identical gateways spread.
  const spread = (rounds) => {
    const all = rounds.on.map((row, i) => row.cpuMsPerRequest / rounds.off[i].cpuMsPerRequest);
    return `x${Math.min(...all).toFixed(2)} to x${Math.max(...all).toFixed(2)}`;
  };
  for (const [phase, rows] of Object.entries(summary)) {
    console.log(`\n${phase}, median over rounds:`);
    console.table(rows);
    console.log(
      `on/off CPU per request x${ratios[phase].toFixed(3)} (median of per-round ratios; target <= ${target}: ` +
        `${ratios[phase] <= target ? 'met' : 'NOT met'}; rounds ${spread(phases[phase])}), ` +
        `p50 x${(rows.on.p50 / rows.off.p50).toFixed(2)}`,
    );
  }
  console.log(
    `FerretDB CPU while MongoDB was up: ${ferretCpuMsPerRecord.toFixed(3)} ms per record sent to it`,
  );
  console.log('\ntelemetry state at the end:', JSON.stringify(final));
  // Where each gateway's CPU went by thread (the main thread, V8's GC helpers, libuv's pool for file I/O).
  const threads = Object.fromEntries(
    Object.entries(gateways).map(([name, gateway]) => [name, threadCpuOf(gateway.pid)]),
  );
  console.log('CPU seconds by thread over the whole run:', JSON.stringify(threads));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    `${resultsDir}telemetry-latest.json`,
    `${JSON.stringify({ settings, rounds: { mongoUp: up, mongoDown: down }, summary, ratios, ferretCpuMsPerRecord, final, threads }, null, 2)}\n`,
  );
} finally {
  // Gateways first (their profiles are written on exit), then MongoDB, the simulators, the CSV directory.
  for (const stop of stops.reverse()) await stop().catch(() => {});
}
if (settings.cpuProfile) {
  for (const name of ['off', 'on']) {
    const path = `${resultsDir}profiles/telemetry-${name}.cpuprofile`;
    printCpuSummary(`CPU profile of the telemetry-${name} gateway (${path})`, summarizeCpuProfile(path, 30));
  }
}
