// `node bench/log-ab-run.mjs`: the production gateway with the access log written line by line
// (`logging.bufferBytes: 0`) against the default batching, both alive and pinned to core 1, loaded in
// turns (order reversed every other round) at the 50 ms upstream: CPU per request and added latency.
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMongo } from '@llm-gateway/testkit';
import { jsonLoad } from './lib/json-load.mjs';
import { pinSelf, repoRoot, startGateway, startUpstreams } from './lib/processes.mjs';
import { productionEnv } from './lib/production-env.mjs';
import { alternateRounds, median } from './lib/rounds.mjs';
import { envNumber, giveUpAfter } from './lib/run-kit.mjs';

const settings = {
  rounds: envNumber('BENCH_LOG_AB_ROUNDS', 8),
  requests: envNumber('BENCH_LOG_AB_REQUESTS', 3000),
  connections: envNumber('BENCH_CONNECTIONS', 50),
};
const clientKey = 'bench-log-ab-client-key-3d1f';
const upstreamKey = 'bench-log-ab-upstream-key-8e2a';
const stops = [];
giveUpAfter('bench log a/b', stops, 20 * 60_000);
const scratch = mkdtempSync(join(tmpdir(), 'bench-log-ab-'));
stops.push(async () => rmSync(scratch, { recursive: true, force: true }));

const production = readFileSync(join(repoRoot, 'bench/profile-production.yaml'), 'utf8');
const variants = {
  'line by line': production.replace(/^( {2}level: .*\n)/m, '$1  bufferBytes: 0\n'),
  batched: production,
};

let prompts = 0;
const body = () =>
  JSON.stringify({
    model: 'gpt-4o-mini-slow',
    messages: [{ role: 'user', content: `Log A/B request ${++prompts}: answer briefly.` }],
  });

async function main() {
  pinSelf('0');
  const upstreams = await startUpstreams();
  stops.push(() => upstreams.stop());
  const mongo = await startMongo({ dbName: `bench_log_ab_${Date.now().toString(36)}` });
  stops.push(() => mongo.stop());
  const gateways = {};
  for (const [index, [name, text]] of Object.entries(variants).entries()) {
    if (index === 0 && text === production) throw new Error('the line-by-line edit did not apply');
    const file = join(scratch, `profile-${index}.yaml`);
    writeFileSync(file, text);
    const gateway = await startGateway({
      profile: file,
      env: {
        ...productionEnv({ upstreams, upstreamKey, clientKey, mongo, csvDir: join(scratch, `csv-${index}`) }),
        LOG_LEVEL: 'info',
      },
      stdout: openSync(join(scratch, `access-${index}.log`), 'a'),
      cpus: '1',
    });
    stops.unshift(() => gateway.stop());
    gateways[name] = gateway;
  }
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${clientKey}` };
  const load = (gateway, requests) =>
    jsonLoad({
      url: `${gateway.url}/v1/chat/completions`,
      headers,
      body,
      requests,
      concurrency: settings.connections,
    });
  console.log('warm-up');
  for (const gateway of Object.values(gateways)) await load(gateway, 20_000);
  const rows = await alternateRounds({
    gateways,
    rounds: settings.rounds,
    requests: settings.requests,
    load,
  });
  console.log('\nmedians over rounds at the 50 ms upstream');
  for (const [name, list] of Object.entries(rows)) {
    const cpu = median(list.map((row) => row.cpuMsPerRequest * 1000));
    const p50 = median(list.map((row) => row.p50));
    const p99 = median(list.map((row) => row.p99));
    console.log(`${name.padEnd(14)} CPU ${cpu.toFixed(0)} us/request  p50 ${p50} ms  p99 ${p99} ms`);
  }
  const [a, b] = Object.values(rows);
  const ratios = a.map((row, i) => b[i].cpuMsPerRequest / row.cpuMsPerRequest);
  console.log(
    `batched / line by line, CPU per request, per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}`,
  );
  console.log(`median ${median(ratios).toFixed(3)}`);
}

try {
  await main();
} finally {
  for (const stop of stops) await stop().catch(() => {});
}
process.exit(0);
