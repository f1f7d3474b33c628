// Throughput of server.workers 1 against 2 on bench/profile.yaml (auth, metrics, telemetry), JSON
// against the 0 ms upstream, in alternating rounds. Load generator (autocannon, this process) and upstream
// simulators are not pinned: they share the host's cores with the workers, and their CPU seconds are
// printed beside each run so the share they took is known. `node bench/workers-run.mjs`
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { cannon } from './lib/cannon.mjs';
import { cpuSecondsOf, repoRoot, startGateway } from './lib/processes.mjs';
import { envNumber, giveUpAfter } from './lib/run-kit.mjs';
import { clientKey, profileWithServer, startVariantUpstreams } from './lib/variant-gateways.mjs';

const settings = {
  durationS: envNumber('BENCH_DURATION', 10),
  rounds: envNumber('BENCH_ROUNDS', 3),
  connections: envNumber('BENCH_CONNECTIONS', 50),
};
const profileFor = (workers) => profileWithServer(`workers-${workers}`, `workers: ${workers}`);

const stops = [];
giveUpAfter('workers run', stops, 20 * 60_000);
const { upstreams, env } = await startVariantUpstreams(stops);
let prompt = 0;
const target = (gateway) => ({
  url: `${gateway.url}/v1/chat/completions`,
  headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
  body: () =>
    JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `w ${prompt++}` }] }),
});

const rows = [];
for (let round = 0; round < settings.rounds; round++) {
  for (const workers of [1, 2]) {
    const gateway = await startGateway({ profile: profileFor(workers), env, timeoutMs: 60_000 });
    try {
      await cannon(`warm-up, ${workers} worker(s)`, target(gateway), {
        durationS: 5,
        connections: settings.connections,
      });
      const upstreamBefore = cpuSecondsOf(upstreams.pid);
      const run = await cannon(`round ${round + 1}, ${workers} worker(s)`, target(gateway), {
        durationS: settings.durationS,
        connections: settings.connections,
      });
      const upstreamCpuS = cpuSecondsOf(upstreams.pid) - upstreamBefore;
      rows.push({
        round,
        workers,
        reqPerSec: Math.round(run.reqPerSec),
        p99Ms: run.latencyMs.p99,
        loadGeneratorCpuShare: +(run.loadCpuS / run.durationS / availableParallelism()).toFixed(2),
        upstreamCpuShare: +(upstreamCpuS / run.durationS / availableParallelism()).toFixed(2),
        failed: run.non2xx + run.errors,
      });
      console.log(JSON.stringify(rows.at(-1)));
    } finally {
      await gateway.stop();
    }
  }
}
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const one = median(rows.filter((r) => r.workers === 1).map((r) => r.reqPerSec));
const two = median(rows.filter((r) => r.workers === 2).map((r) => r.reqPerSec));
console.log(
  `median req/s: 1 worker ${one}, 2 workers ${two} (x${(two / one).toFixed(2)}) on ${availableParallelism()} cores`,
);
writeFileSync(
  join(repoRoot, 'bench/results/workers-latest.json'),
  `${JSON.stringify({ settings, rows }, null, 2)}\n`,
);
for (const stop of stops.reverse()) await stop();
process.exit(0);
