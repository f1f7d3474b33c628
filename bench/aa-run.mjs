// `node bench/aa-run.mjs`: the noise floor of an on/off CPU ratio on this machine. Two identical gateways on
// bench/profile.yaml measured exactly as bench/telemetry-run.mjs measures its two (same rounds, requests,
// concurrency and warmup settings): a ratio that far from 1 between identical processes is noise or bias of
// the method, not a cost.
import { fileURLToPath } from 'node:url';
import { uniqueChatLoad } from './lib/json-load.mjs';
import { startGateway, startUpstreams } from './lib/processes.mjs';
import { alternateRounds, perRoundCpuRatio, summarizeRounds } from './lib/rounds.mjs';
import { giveUpAfter, envNumber as number } from './lib/run-kit.mjs';

const settings = {
  rounds: number('BENCH_TELEMETRY_ROUNDS', 10),
  requests: number('BENCH_TELEMETRY_REQUESTS', 3000),
  concurrency: number('BENCH_TELEMETRY_CONCURRENCY', 20),
  warmup: number('BENCH_TELEMETRY_WARMUP', 15000),
};
const key = 'bench-client-key';
const profile = fileURLToPath(new URL('./profile.yaml', import.meta.url));
const stops = [];
giveUpAfter('bench a/a', stops, 600_000);

try {
  const upstreams = await startUpstreams();
  stops.push(() => upstreams.stop());
  const env = {
    BENCH_API_KEY: key,
    BENCH_UPSTREAM_KEY: 'bench-upstream-key',
    BENCH_UPSTREAM_URL: upstreams.fast,
    BENCH_SLOW_UPSTREAM_URL: upstreams.slow,
    LOG_LEVEL: 'warn',
  };
  const gateways = {};
  for (const name of ['a', 'b']) {
    gateways[name] = await startGateway({ profile, env });
    stops.push(() => gateways[name].stop());
  }
  const load = uniqueChatLoad({ key, tag: 'aa', concurrency: settings.concurrency });
  for (const gateway of Object.values(gateways)) await load(gateway, settings.warmup);
  const rows = await alternateRounds({ gateways, ...settings, load, label: 'A/A: ' });
  console.table(summarizeRounds(rows));
  const ratios = rows.b
    .map((row, i) => row.cpuMsPerRequest / rows.a[i].cpuMsPerRequest)
    .sort((x, y) => x - y);
  console.log(
    `b/a CPU per request x${perRoundCpuRatio(rows, 'b', 'a').toFixed(3)} (median of per-round ratios; ` +
      `rounds from x${ratios[0].toFixed(2)} to x${ratios.at(-1).toFixed(2)})`,
  );
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}
