// `pnpm bench:tracing`: the cost of OpenTelemetry traces. Two built gateways on the resilience profile
// (auth, rate limit, cache: every traced stage runs), one without an OTLP endpoint and one exporting
// every span over OTLP/HTTP to a local receiver, measured in turns: JSON chat requests with undici at
// fixed concurrency against the 0 ms upstream, each with its own prompt (cache misses). Reports
// latency p50/p99/mean and the gateway's CPU time per request, and checks every traced request arrived.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { uniqueChatLoad } from './lib/json-load.mjs';
import { startGateway, startUpstreams } from './lib/processes.mjs';
import { alternateRounds, summarizeRounds } from './lib/rounds.mjs';
import { giveUpAfter, envNumber as number } from './lib/run-kit.mjs';

const settings = {
  rounds: number('BENCH_TRACING_ROUNDS', 5),
  requests: number('BENCH_TRACING_REQUESTS', 2000),
  concurrency: number('BENCH_TRACING_CONCURRENCY', 20),
  warmup: number('BENCH_TRACING_WARMUP', 3000),
};
const key = 'bench-client-key';
const upstreamKey = 'bench-upstream-key';
const profile = fileURLToPath(new URL('./profile-resilience.yaml', import.meta.url));
const stops = [];
giveUpAfter('bench tracing', stops, 600_000);

try {
  const upstreams = await startUpstreams();
  stops.push(() => upstreams.stop());
  // The receiver in its own process; it reports span counts on stdout.
  const receiverProcess = spawn(
    process.execPath,
    [fileURLToPath(new URL('./lib/otlp-receiver.mjs', import.meta.url))],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  stops.push(async () => receiverProcess.stdin.end());
  const received = { servers: 0, spans: 0 };
  const receiver = await new Promise((resolve, reject) => {
    let buffer = '';
    receiverProcess.once('exit', (code) => reject(new Error(`OTLP receiver exited (${code})`)));
    receiverProcess.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) {
        const message = JSON.parse(line);
        if (message.url) resolve(message);
        else {
          received.servers += message.servers;
          received.spans += message.spans;
        }
      }
    });
  });
  const env = {
    BENCH_API_KEY: key,
    BENCH_UPSTREAM_KEY: upstreamKey,
    BENCH_UPSTREAM_URL: upstreams.fast,
    BENCH_SLOW_UPSTREAM_URL: upstreams.slow,
    LOG_LEVEL: 'warn',
  };
  const gateways = {
    off: await startGateway({ profile, env }),
    traced: await startGateway({
      profile,
      env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      // BENCH_CPU_PROF=1: where the traced gateway's CPU goes (read with lib/cpu-top.mjs).
      ...(process.env.BENCH_CPU_PROF
        ? { cpuProfile: fileURLToPath(new URL('./results/profiles/tracing.cpuprofile', import.meta.url)) }
        : {}),
    }),
  };
  for (const gateway of Object.values(gateways)) stops.push(() => gateway.stop());

  const load = uniqueChatLoad({ key, tag: 'tracing', concurrency: settings.concurrency });

  for (const gateway of Object.values(gateways)) await load(gateway, settings.warmup);
  const rows = await alternateRounds({
    gateways,
    rounds: settings.rounds,
    requests: settings.requests,
    load,
  });
  // Every traced request's server span reaches the receiver (the batch exports within 5 s).
  const expected = settings.warmup + settings.rounds * settings.requests;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (received.servers >= expected) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const summary = summarizeRounds(rows);
  const spansPerRequest = received.spans / received.servers;
  console.log('\nmedian over rounds:');
  console.table(summary);
  console.log(
    `traced/off: CPU per request x${(summary.traced.cpuMsPerRequest / summary.off.cpuMsPerRequest).toFixed(2)}, ` +
      `p50 x${(summary.traced.p50 / summary.off.p50).toFixed(2)}; ${received.servers} of ` +
      `${expected} traced requests exported, ${spansPerRequest.toFixed(1)} spans per request`,
  );
  const out = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  writeFileSync(
    `${out}tracing-latest.json`,
    `${JSON.stringify({ settings, rounds: rows, summary, received, spansPerRequest }, null, 2)}\n`,
  );
} finally {
  await Promise.allSettled(stops.map((stop) => stop()));
}
