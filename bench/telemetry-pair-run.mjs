// `node bench/telemetry-pair-run.mjs`: telemetry's CPU per request measured with both gateways loaded at the
// same time in every round (bench/telemetry-run.mjs loads them in turns). A burst of other work on the
// machine, and FerretDB's own CPU, then fall on both alike. BENCH_PAIR_SINK: `mongo` (a testkit FerretDB),
// `csv` (MongoDB unreachable, so CSV from the first batch) or `none` (both gateways on profile.yaml: A/A).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMongo } from '@llm-gateway/testkit';
import { uniqueChatLoad } from './lib/json-load.mjs';
import { startGateway, startUpstreams } from './lib/processes.mjs';
import { median } from './lib/rounds.mjs';
import { giveUpAfter, envNumber as number } from './lib/run-kit.mjs';

const sink = process.env.BENCH_PAIR_SINK ?? 'mongo';
const settings = {
  rounds: number('BENCH_TELEMETRY_ROUNDS', 14),
  requests: number('BENCH_TELEMETRY_REQUESTS', 3000),
  concurrency: number('BENCH_TELEMETRY_CONCURRENCY', 10),
  warmup: number('BENCH_TELEMETRY_WARMUP', 8000),
};
const key = 'bench-client-key';
const profileOf = (file) => fileURLToPath(new URL(file, import.meta.url));
const stops = [];
giveUpAfter('bench telemetry pair', stops, 600_000);

try {
  const upstreams = await startUpstreams();
  stops.push(() => upstreams.stop());
  const mongo = sink === 'mongo' ? await startMongo({ dbName: 'bench_pair' }) : undefined;
  if (mongo) stops.push(() => mongo.stop());
  const csvDir = mkdtempSync(join(tmpdir(), 'bench-pair-csv-'));
  stops.push(async () => rmSync(csvDir, { recursive: true, force: true }));
  const env = {
    BENCH_API_KEY: key,
    BENCH_UPSTREAM_KEY: 'bench-upstream-key',
    BENCH_UPSTREAM_URL: upstreams.fast,
    BENCH_SLOW_UPSTREAM_URL: upstreams.slow,
    BENCH_MONGO_URI: mongo?.url ?? 'mongodb://127.0.0.1:9',
    BENCH_CSV_DIR: csvDir,
    LOG_LEVEL: 'warn',
  };
  const gateways = {
    off: await startGateway({ profile: profileOf('./profile.yaml'), env }),
    on: await startGateway({
      profile: profileOf(sink === 'none' ? './profile.yaml' : './profile-telemetry.yaml'),
      env,
    }),
  };
  for (const gateway of Object.values(gateways)) stops.push(() => gateway.stop());
  const load = uniqueChatLoad({ key, tag: 'pair', concurrency: settings.concurrency });
  const both = (requests) => Promise.all(Object.values(gateways).map((gateway) => load(gateway, requests)));
  await both(settings.warmup);
  const ratios = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const before = Object.values(gateways).map((gateway) => gateway.cpuSeconds());
    await both(settings.requests);
    const [off, on] = Object.values(gateways).map((gateway, i) => gateway.cpuSeconds() - before[i]);
    ratios.push(on / off);
    const perRequest = (seconds) => ((seconds * 1000) / settings.requests).toFixed(3);
    console.log(
      `${sink} round ${round}: off ${perRequest(off)} on ${perRequest(on)} ms CPU/request, on/off x${(on / off).toFixed(3)}`,
    );
  }
  const sorted = ratios.sort((a, b) => a - b);
  console.log(
    `${sink}: on/off CPU per request x${median(sorted).toFixed(3)} (median of ${sorted.length} rounds; ` +
      `x${sorted[0].toFixed(2)} to x${sorted.at(-1).toFixed(2)})`,
  );
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}
