// `pnpm bench`: the gateway's overhead, measured in one run. Upstream simulators (0 ms and 50 ms)
// in their own process, the built gateway as a child process on bench/profile.yaml, autocannon for
// JSON throughput and latency, undici for streaming TTFB; direct against through-the-gateway.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { memoryOf, startGateway, startUpstreams } from './lib/processes.mjs';
import { streamLoad } from './lib/stream-load.mjs';

const env = (name, fallback) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const settings = {
  durationS: env('BENCH_DURATION', 10),
  connections: env('BENCH_CONNECTIONS', 50),
  warmupS: env('BENCH_WARMUP', 3),
  slowDurationS: env('BENCH_SLOW_DURATION', 5),
  streamRequests: env('BENCH_STREAM_REQUESTS', 1000),
  streamConcurrency: env('BENCH_STREAM_CONCURRENCY', 20),
};
const clientKey = 'bench-client-key-6f0d1c9e';
const upstreamKey = 'bench-upstream-key-2b8e4a71';
const profile = fileURLToPath(new URL('./profile.yaml', import.meta.url));
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

const children = [];
async function stopAll() {
  await Promise.allSettled(children.map((child) => child.stop()));
}

// Bounded in time whatever happens: the planned phases plus a generous margin.
const budgetS = 2 * settings.warmupS + 2 * settings.durationS + 2 * settings.slowDurationS + 180;
setTimeout(() => {
  console.error(`bench: still running after ${budgetS} s, giving up`);
  void stopAll().finally(() => process.exit(2));
}, budgetS * 1000).unref();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}

function chatBody(model, stream) {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Benchmark request: answer briefly.' }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

const jsonHeaders = (key) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}` });

async function cannon(title, url, headers, body, durationS) {
  process.stdout.write(`  ${title} (${durationS} s, ${settings.connections} connections) ... `);
  const result = await autocannon({
    url,
    method: 'POST',
    headers,
    body,
    connections: settings.connections,
    duration: durationS,
    pipelining: 1,
    timeout: 30,
  });
  const summary = {
    reqPerSec: result.requests.average,
    total: result.requests.total,
    latencyMs: {
      mean: result.latency.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
  console.log(`${Math.round(summary.reqPerSec)} req/s`);
  return summary;
}

async function sanity(gatewayUrl) {
  const ok = await fetch(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: jsonHeaders(clientKey),
    body: chatBody('gpt-4o-mini', false),
  });
  const answer = await ok.json();
  if (ok.status !== 200 || !String(answer?.choices?.[0]?.message?.content ?? '').startsWith('word0')) {
    throw new Error(`sanity request through the gateway failed: ${ok.status} ${JSON.stringify(answer)}`);
  }
  const denied = await fetch(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: chatBody('gpt-4o-mini', false),
  });
  await denied.arrayBuffer();
  if (denied.status !== 401)
    throw new Error(`auth is not enforced: a request without a key got ${denied.status}`);
}

function machine() {
  const sh = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    nproc: Number(sh('nproc', [])) || cpus().length,
    cpuModel: cpus()[0]?.model,
    memTotalGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    memFreeGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

const fmt = (value, digits = 2) =>
  value === undefined || value === null ? '-' : Number(value).toFixed(digits);
const pad = (text, width) => String(text).padStart(width);

function printTable(title, header, rows) {
  console.log(`\n${title}`);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) =>
    cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : pad(cell, widths[i])));
  console.log(line(header).join('  '));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row).join('  '));
}

function compare(direct, gateway) {
  return {
    throughputRatio: gateway.reqPerSec / direct.reqPerSec,
    addedP50Ms: gateway.latencyMs.p50 - direct.latencyMs.p50,
    addedP99Ms: gateway.latencyMs.p99 - direct.latencyMs.p99,
    addedMeanMs: gateway.latencyMs.mean - direct.latencyMs.mean,
  };
}

async function main() {
  console.log('bench: starting upstream simulators and the gateway');
  const upstreams = await startUpstreams();
  children.push(upstreams);
  const gateway = await startGateway({
    profile,
    env: {
      BENCH_UPSTREAM_URL: upstreams.fast,
      BENCH_SLOW_UPSTREAM_URL: upstreams.slow,
      BENCH_UPSTREAM_KEY: upstreamKey,
      BENCH_API_KEY: clientKey,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    },
  });
  children.push(gateway);
  await sanity(gateway.url);
  const rssAtStart = memoryOf(gateway.pid);

  const direct = {
    url: `${upstreams.fast}/v1/chat/completions`,
    headers: jsonHeaders(upstreamKey),
    body: chatBody('gpt-4o-mini', false),
  };
  const through = {
    url: `${gateway.url}/v1/chat/completions`,
    headers: jsonHeaders(clientKey),
    body: chatBody('gpt-4o-mini', false),
  };

  console.log('warm-up');
  await cannon('direct', direct.url, direct.headers, direct.body, settings.warmupS);
  await cannon('gateway', through.url, through.headers, through.body, settings.warmupS);
  await streamLoad({
    url: through.url,
    headers: through.headers,
    body: chatBody('gpt-4o-mini', true),
    requests: 200,
    concurrency: settings.streamConcurrency,
  });

  console.log('JSON chat completions, upstream 0 ms');
  const memoryByPhase = { afterWarmup: memoryOf(gateway.pid) };
  const json = {
    direct: await cannon('direct', direct.url, direct.headers, direct.body, settings.durationS),
    gateway: await cannon('gateway', through.url, through.headers, through.body, settings.durationS),
  };
  memoryByPhase.afterJson = memoryOf(gateway.pid);

  console.log('JSON chat completions, upstream 50 ms');
  const slow = {
    direct: await cannon(
      'direct',
      `${upstreams.slow}/v1/chat/completions`,
      direct.headers,
      chatBody('gpt-4o-mini-slow', false),
      settings.slowDurationS,
    ),
    gateway: await cannon(
      'gateway',
      through.url,
      through.headers,
      chatBody('gpt-4o-mini-slow', false),
      settings.slowDurationS,
    ),
  };
  memoryByPhase.afterJson50ms = memoryOf(gateway.pid);

  console.log(
    `streamed chat completions, upstream 0 ms (${settings.streamRequests} requests, ${settings.streamConcurrency} in flight)`,
  );
  const streamArgs = { requests: settings.streamRequests, concurrency: settings.streamConcurrency };
  const streaming = {
    direct: await streamLoad({
      url: direct.url,
      headers: direct.headers,
      body: chatBody('gpt-4o-mini', true),
      ...streamArgs,
    }),
    gateway: await streamLoad({
      url: through.url,
      headers: through.headers,
      body: chatBody('gpt-4o-mini', true),
      ...streamArgs,
    }),
  };

  const memory = memoryOf(gateway.pid);
  if (!gateway.alive()) throw new Error(`the gateway died during the benchmark\n${gateway.logs()}`);

  const results = {
    timestamp: new Date().toISOString(),
    machine: machine(),
    settings: { ...settings, upstreamReplyWords: upstreams.replyWords, profile: 'bench/profile.yaml' },
    json: { ...json, comparison: compare(json.direct, json.gateway) },
    jsonUpstream50ms: { ...slow, comparison: compare(slow.direct, slow.gateway) },
    streaming: {
      ...streaming,
      comparison: {
        throughputRatio: streaming.gateway.reqPerSec / streaming.direct.reqPerSec,
        addedTtfbP50Ms: streaming.gateway.ttfbMs.p50 - streaming.direct.ttfbMs.p50,
        addedTtfbP99Ms: streaming.gateway.ttfbMs.p99 - streaming.direct.ttfbMs.p99,
        addedTotalP50Ms: streaming.gateway.totalMs.p50 - streaming.direct.totalMs.p50,
        addedTotalP99Ms: streaming.gateway.totalMs.p99 - streaming.direct.totalMs.p99,
      },
    },
    gatewayMemory: { atStart: rssAtStart, ...memoryByPhase, atEnd: memory },
  };

  const jsonRow = (name, r) => [
    name,
    fmt(r.reqPerSec, 0),
    fmt(r.latencyMs.mean),
    fmt(r.latencyMs.p50, 0),
    fmt(r.latencyMs.p99, 0),
    r.non2xx + r.errors + r.timeouts,
  ];
  printTable(
    `JSON POST /v1/chat/completions (autocannon, ${settings.connections} connections)`,
    ['scenario', 'req/s', 'mean ms', 'p50 ms', 'p99 ms', 'failed'],
    [
      jsonRow(`direct, upstream 0 ms (${settings.durationS} s)`, json.direct),
      jsonRow(`gateway, upstream 0 ms (${settings.durationS} s)`, json.gateway),
      jsonRow(`direct, upstream 50 ms (${settings.slowDurationS} s)`, slow.direct),
      jsonRow(`gateway, upstream 50 ms (${settings.slowDurationS} s)`, slow.gateway),
    ],
  );
  const streamRow = (name, r) => [
    name,
    fmt(r.reqPerSec, 0),
    fmt(r.ttfbMs.p50),
    fmt(r.ttfbMs.p99),
    fmt(r.totalMs.p50),
    fmt(r.totalMs.p99),
    fmt(r.eventsPerResponse, 1),
    r.bad,
  ];
  printTable(
    `Streamed POST /v1/chat/completions (undici, ${settings.streamRequests} requests, ${settings.streamConcurrency} in flight)`,
    ['scenario', 'req/s', 'TTFB p50', 'TTFB p99', 'total p50', 'total p99', 'events', 'failed'],
    [streamRow('direct', streaming.direct), streamRow('gateway', streaming.gateway)],
  );
  const c = results.json.comparison;
  const s = results.jsonUpstream50ms.comparison;
  const t = results.streaming.comparison;
  printTable(
    'Gateway against direct',
    ['figure', 'upstream 0 ms', 'upstream 50 ms', 'streaming'],
    [
      [
        'throughput ratio (gateway/direct)',
        fmt(c.throughputRatio, 3),
        fmt(s.throughputRatio, 3),
        fmt(t.throughputRatio, 3),
      ],
      ['added p50 latency, ms (stream: TTFB)', fmt(c.addedP50Ms), fmt(s.addedP50Ms), fmt(t.addedTtfbP50Ms)],
      ['added p99 latency, ms (stream: TTFB)', fmt(c.addedP99Ms), fmt(s.addedP99Ms), fmt(t.addedTtfbP99Ms)],
    ],
  );
  console.log(
    `\ngateway RSS (MiB): ${fmt(rssAtStart.rssMiB, 1)} at start, ${fmt(memoryByPhase.afterWarmup.rssMiB, 1)} after warm-up, ` +
      `${fmt(memoryByPhase.afterJson.rssMiB, 1)} after the 0 ms run, ${fmt(memoryByPhase.afterJson50ms.rssMiB, 1)} after the 50 ms run, ` +
      `${fmt(memory.rssMiB, 1)} at the end; peak (VmHWM) ${fmt(memory.peakRssMiB, 1)}`,
  );

  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify(results, null, 2)}\n`);
  console.log('results written to bench/results/latest.json');
}

try {
  await main();
  await stopAll();
  process.exit(0);
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll();
  process.exit(1);
}
