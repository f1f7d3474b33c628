// `pnpm bench`: the gateway's overhead, measured in one run. Upstream simulators (0 ms and 50 ms)
// in their own process; two built gateways as child processes, one on bench/profile.yaml (the
// foundation: auth, metrics, telemetry) and one on bench/profile-resilience.yaml (plus the memory
// cache, rate limiting and the circuit breaker); autocannon for JSON throughput and latency, undici
// for cache hit/miss latency and streaming TTFB; direct against through-the-gateway.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { merge, cannon as runCannon } from './lib/cannon.mjs';
import { printCpuSummary, summarizeCpuProfile } from './lib/cpu-top.mjs';
import { jsonLoad } from './lib/json-load.mjs';
import { memoryOf, startGateway, startUpstreams } from './lib/processes.mjs';
import { streamLoad } from './lib/stream-load.mjs';

const env = (name, fallback) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const settings = {
  durationS: env('BENCH_DURATION', 10),
  rounds: Math.round(env('BENCH_ROUNDS', 5)),
  connections: env('BENCH_CONNECTIONS', 50),
  // Per gateway: a fresh gateway needs about 12 s of load before its CPU per request settles
  // (JIT tiers, young-generation growth); the direct warm-up is at most 3 s.
  warmupS: env('BENCH_WARMUP', 12),
  slowDurationS: env('BENCH_SLOW_DURATION', 5),
  cacheRequests: env('BENCH_CACHE_REQUESTS', 1000),
  cacheConcurrency: env('BENCH_CACHE_CONCURRENCY', 10),
  streamRequests: env('BENCH_STREAM_REQUESTS', 1000),
  streamConcurrency: env('BENCH_STREAM_CONCURRENCY', 20),
  soakRounds: Math.round(env('BENCH_SOAK', 0)),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
};
const clientKey = 'bench-client-key-6f0d1c9e';
const upstreamKey = 'bench-upstream-key-2b8e4a71';
const profiles = {
  foundation: fileURLToPath(new URL('./profile.yaml', import.meta.url)),
  resilience: fileURLToPath(new URL('./profile-resilience.yaml', import.meta.url)),
};
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const cpuProfileDir = `${resultsDir}profiles/`;
/** The within-10% target of the resilience profile's overhead against the foundation's. */
const overheadTarget = 1.1;
/** The cache hit must answer at least this many times faster than a miss. */
const speedupTarget = 5;

const children = [];
async function stopAll() {
  await Promise.allSettled(children.splice(0).map((child) => child.stop()));
}

// Bounded in time whatever happens: the planned phases plus a generous margin.
const budgetS =
  2 * settings.warmupS +
  3 +
  3 * settings.durationS +
  2 * settings.slowDurationS +
  (settings.soakRounds * 2 * settings.durationS) / settings.rounds +
  240;
setTimeout(() => {
  console.error(`bench: still running after ${budgetS} s, giving up`);
  void stopAll().finally(() => process.exit(2));
}, budgetS * 1000).unref();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}

const runId = Date.now().toString(36);

/** A chat completion request body. */
function chatBody(model, { stream = false, prompt = 'Benchmark request: answer briefly.' } = {}) {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: prompt }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}
/** Bodies with a counter in the prompt: every request differs, so a cache never answers one. */
let bodyCount = 0;
function uniqueBodies(model) {
  return () => {
    bodyCount += 1;
    return chatBody(model, { prompt: `Benchmark request ${runId}-${bodyCount}: answer briefly.` });
  };
}

const jsonHeaders = (key) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}` });

/** One autocannon run at the configured connections; see lib/cannon.mjs. */
const cannon = (title, target, durationS) =>
  runCannon(title, target, { durationS, connections: settings.connections });

async function sanity(name, gateway, checkFeatures) {
  const send = (headers, body = chatBody('gpt-4o-mini')) =>
    fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers, body });
  const ok = await send(jsonHeaders(clientKey));
  const answer = await ok.json();
  if (ok.status !== 200 || !String(answer?.choices?.[0]?.message?.content ?? '').startsWith('word0')) {
    throw new Error(
      `${name}: sanity request through the gateway failed: ${ok.status} ${JSON.stringify(answer)}`,
    );
  }
  const denied = await send({ 'content-type': 'application/json' });
  await denied.arrayBuffer();
  if (denied.status !== 401)
    throw new Error(`${name}: auth is not enforced: a request without a key got ${denied.status}`);
  const again = await send(jsonHeaders(clientKey));
  await again.arrayBuffer();
  const cache = again.headers.get('x-gateway-cache');
  const limit = again.headers.get('x-ratelimit-limit');
  if (checkFeatures && (cache !== 'hit' || !limit))
    throw new Error(
      `${name}: the cache or the rate limiter is off (x-gateway-cache ${cache}, limit ${limit})`,
    );
  if (!checkFeatures && (cache !== null || limit !== null))
    throw new Error(
      `${name}: the cache or the rate limiter is on (x-gateway-cache ${cache}, limit ${limit})`,
    );
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
    loadAverage: sh('cat', ['/proc/loadavg'])?.split(' ').slice(0, 3).join(' '),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (value, digits = 2) =>
  value === undefined || value === null || Number.isNaN(value) ? '-' : Number(value).toFixed(digits);
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
    ...(gateway.gatewayCpuUsPerRequest === undefined
      ? {}
      : { gatewayCpuUsPerRequest: gateway.gatewayCpuUsPerRequest }),
  };
}

/** RSS from /proc and a post-GC heap reading from the probe, for every gateway. */
async function snapshotMemory(gateways) {
  const out = {};
  for (const [name, gateway] of Object.entries(gateways)) {
    out[name] = { ...memoryOf(gateway.pid), heap: await gateway.heap() };
  }
  return out;
}

async function main() {
  console.log('bench: starting upstream simulators and two gateways (foundation, resilience)');
  const upstreams = await startUpstreams();
  children.push(upstreams);
  if (settings.cpuProfile) {
    rmSync(cpuProfileDir, { recursive: true, force: true });
    mkdirSync(cpuProfileDir, { recursive: true });
  }
  const gatewayEnv = {
    BENCH_UPSTREAM_URL: upstreams.fast,
    BENCH_SLOW_UPSTREAM_URL: upstreams.slow,
    BENCH_UPSTREAM_KEY: upstreamKey,
    BENCH_API_KEY: clientKey,
    LOG_LEVEL: settings.logLevel,
  };
  const gateways = {};
  for (const name of ['foundation', 'resilience']) {
    gateways[name] = await startGateway({
      profile: profiles[name],
      env: gatewayEnv,
      ...(settings.cpuProfile ? { cpuProfile: `${cpuProfileDir}${name}.cpuprofile` } : {}),
    });
    children.push(gateways[name]);
  }
  await sanity('foundation', gateways.foundation, false);
  await sanity('resilience', gateways.resilience, true);
  const memory = { atStart: await snapshotMemory(gateways) };

  const direct = {
    url: `${upstreams.fast}/v1/chat/completions`,
    headers: jsonHeaders(upstreamKey),
    body: uniqueBodies('gpt-4o-mini'),
  };
  const through = (name, body = uniqueBodies('gpt-4o-mini')) => ({
    gateway: gateways[name],
    url: `${gateways[name].url}/v1/chat/completions`,
    headers: jsonHeaders(clientKey),
    body,
  });

  console.log('warm-up');
  await cannon('direct', direct, Math.min(3, settings.warmupS));
  await cannon('gateway, foundation', through('foundation'), settings.warmupS);
  await cannon('gateway, resilience', through('resilience'), settings.warmupS);
  await streamLoad({
    url: through('foundation').url,
    headers: jsonHeaders(clientKey),
    body: chatBody('gpt-4o-mini', { stream: true }),
    requests: 200,
    concurrency: settings.streamConcurrency,
  });
  memory.afterWarmup = await snapshotMemory(gateways);

  // Every request has its own prompt (so the resilience gateway's cache always misses); the
  // three scenarios take turns, round by round, so a burst of noise on the machine hits all three.
  const roundS = settings.durationS / settings.rounds;
  console.log(
    `JSON chat completions, upstream 0 ms, unique prompts (${settings.rounds} rounds of ${roundS} s)`,
  );
  const rounds = { direct: [], foundation: [], resilience: [] };
  for (let round = 1; round <= settings.rounds; round += 1) {
    rounds.direct.push(await cannon(`round ${round}: direct`, direct, roundS));
    rounds.foundation.push(
      await cannon(`round ${round}: gateway, foundation`, through('foundation'), roundS),
    );
    rounds.resilience.push(
      await cannon(`round ${round}: gateway, resilience`, through('resilience'), roundS),
    );
  }
  const json = {
    direct: merge(rounds.direct),
    foundation: merge(rounds.foundation),
    resilience: merge(rounds.resilience),
  };
  const foundationCost = compare(json.direct, json.foundation);
  const resilienceCost = compare(json.direct, json.resilience);
  json.comparison = {
    foundation: foundationCost,
    resilience: resilienceCost,
    resilienceVsFoundation: {
      addedMeanRatio: resilienceCost.addedMeanMs / foundationCost.addedMeanMs,
      addedP50Ratio: resilienceCost.addedP50Ms / foundationCost.addedP50Ms,
      cpuPerRequestRatio: resilienceCost.gatewayCpuUsPerRequest / foundationCost.gatewayCpuUsPerRequest,
      throughputRatio: json.resilience.reqPerSec / json.foundation.reqPerSec,
      // Round by round (the gateways ran back to back), then the median: robust to one noisy round.
      perRoundMedian: {
        addedMeanRatio: median(
          rounds.direct.map(
            (d, i) =>
              (rounds.resilience[i].latencyMs.mean - d.latencyMs.mean) /
              (rounds.foundation[i].latencyMs.mean - d.latencyMs.mean),
          ),
        ),
        cpuPerRequestRatio: median(
          rounds.foundation.map(
            (f, i) =>
              rounds.resilience[i].gatewayCpuS / rounds.resilience[i].total / (f.gatewayCpuS / f.total),
          ),
        ),
      },
    },
  };
  memory.afterJson = await snapshotMemory(gateways);

  console.log('JSON chat completions, upstream 50 ms');
  const slow = {
    direct: await cannon(
      'direct',
      { ...direct, url: `${upstreams.slow}/v1/chat/completions`, body: uniqueBodies('gpt-4o-mini-slow') },
      settings.slowDurationS,
    ),
    gateway: await cannon(
      'gateway, foundation',
      through('foundation', uniqueBodies('gpt-4o-mini-slow')),
      settings.slowDurationS,
    ),
  };
  slow.comparison = compare(slow.direct, slow.gateway);
  memory.afterJson50ms = await snapshotMemory(gateways);

  console.log(
    `cache, upstream 50 ms, resilience gateway (${settings.cacheRequests} requests each, ${settings.cacheConcurrency} in flight)`,
  );
  const cacheArgs = { requests: settings.cacheRequests, concurrency: settings.cacheConcurrency };
  const slowUrl = `${gateways.resilience.url}/v1/chat/completions`;
  const missBody = (i) =>
    chatBody('gpt-4o-mini-slow', { prompt: `Cache miss ${runId} ${i}: answer briefly.` });
  const cacheState = (want) => (response) => response.headers['x-gateway-cache'] === want;
  // Unique prompts never seen before: each one is a miss that goes to the upstream.
  await jsonLoad({
    url: slowUrl,
    headers: jsonHeaders(clientKey),
    body: (i) => chatBody('gpt-4o-mini-slow', { prompt: `Cache warm-up ${runId} ${i}` }),
    requests: Math.min(200, settings.cacheRequests),
    concurrency: settings.cacheConcurrency,
  });
  process.stdout.write('  direct ... ');
  const cacheDirect = await jsonLoad({
    url: `${upstreams.slow}/v1/chat/completions`,
    headers: jsonHeaders(upstreamKey),
    body: missBody,
    ...cacheArgs,
  });
  console.log(`p50 ${fmt(cacheDirect.latencyMs.p50)} ms`);
  process.stdout.write('  misses ... ');
  const miss = await jsonLoad({
    url: slowUrl,
    headers: jsonHeaders(clientKey),
    body: missBody,
    onResponse: cacheState('miss'),
    ...cacheArgs,
  });
  console.log(`p50 ${fmt(miss.latencyMs.p50)} ms`);
  // The same request over and over, after one call that fills the cache.
  const hitBody = chatBody('gpt-4o-mini-slow', { prompt: `Cache hit ${runId}: answer briefly.` });
  const first = await fetch(slowUrl, { method: 'POST', headers: jsonHeaders(clientKey), body: hitBody });
  await first.arrayBuffer();
  process.stdout.write('  hits ... ');
  const hit = await jsonLoad({
    url: slowUrl,
    headers: jsonHeaders(clientKey),
    body: () => hitBody,
    onResponse: cacheState('hit'),
    ...cacheArgs,
  });
  console.log(`p50 ${fmt(hit.latencyMs.p50)} ms`);
  const cache = {
    direct: cacheDirect,
    miss,
    hit,
    speedup: {
      p50: miss.latencyMs.p50 / hit.latencyMs.p50,
      p99: miss.latencyMs.p99 / hit.latencyMs.p99,
      mean: miss.latencyMs.mean / hit.latencyMs.mean,
    },
  };
  memory.afterCache = await snapshotMemory(gateways);

  console.log(
    `streamed chat completions, upstream 0 ms (${settings.streamRequests} requests, ${settings.streamConcurrency} in flight)`,
  );
  const streamArgs = {
    headers: jsonHeaders(clientKey),
    body: chatBody('gpt-4o-mini', { stream: true }),
    requests: settings.streamRequests,
    concurrency: settings.streamConcurrency,
  };
  const streaming = {
    direct: await streamLoad({ ...streamArgs, url: direct.url, headers: direct.headers }),
    gateway: await streamLoad({ ...streamArgs, url: through('foundation').url }),
  };
  streaming.comparison = {
    throughputRatio: streaming.gateway.reqPerSec / streaming.direct.reqPerSec,
    addedTtfbP50Ms: streaming.gateway.ttfbMs.p50 - streaming.direct.ttfbMs.p50,
    addedTtfbP99Ms: streaming.gateway.ttfbMs.p99 - streaming.direct.ttfbMs.p99,
    addedTotalP50Ms: streaming.gateway.totalMs.p50 - streaming.direct.totalMs.p50,
    addedTotalP99Ms: streaming.gateway.totalMs.p99 - streaming.direct.totalMs.p99,
  };
  memory.atEnd = await snapshotMemory(gateways);

  // Optional: more rounds of load on both gateways, to see whether their memory levels off.
  const soak = [];
  for (let round = 1; round <= settings.soakRounds; round += 1) {
    console.log(`soak round ${round}/${settings.soakRounds}`);
    await cannon('gateway, foundation', through('foundation'), roundS);
    await cannon('gateway, resilience', through('resilience'), roundS);
    soak.push(await snapshotMemory(gateways));
  }

  for (const [name, gateway] of Object.entries(gateways)) {
    if (!gateway.alive()) throw new Error(`the ${name} gateway died during the benchmark\n${gateway.logs()}`);
  }

  const results = {
    timestamp: new Date().toISOString(),
    machine: machine(),
    settings: {
      ...settings,
      upstreamReplyWords: upstreams.replyWords,
      profiles: { foundation: 'bench/profile.yaml', resilience: 'bench/profile-resilience.yaml' },
    },
    json,
    jsonUpstream50ms: slow,
    cache,
    streaming,
    targets: {
      resilienceCpuWithin10Percent:
        json.comparison.resilienceVsFoundation.cpuPerRequestRatio <= overheadTarget,
      resilienceAddedLatencyWithin10Percent:
        json.comparison.resilienceVsFoundation.addedMeanRatio <= overheadTarget,
      cacheHitAtLeast5xFaster: cache.speedup.p50 >= speedupTarget && cache.speedup.p99 >= speedupTarget,
    },
    gatewayMemory: memory,
    ...(soak.length > 0 ? { soak } : {}),
  };

  report(results);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify(results, null, 2)}\n`);
  console.log('results written to bench/results/latest.json');
}

function report(results) {
  const { json, jsonUpstream50ms: slow, cache, streaming } = results;
  const jsonRow = (name, r) => [
    name,
    fmt(r.reqPerSec, 0),
    fmt(r.latencyMs.mean),
    fmt(r.latencyMs.p50, 1),
    fmt(r.latencyMs.p99, 1),
    r.gatewayCpuUsPerRequest === undefined ? '-' : fmt(r.gatewayCpuUsPerRequest, 0),
    r.non2xx + r.errors + r.timeouts,
  ];
  printTable(
    `JSON POST /v1/chat/completions (autocannon, ${settings.connections} connections; 0 ms: unique prompts, ${settings.rounds} rounds)`,
    ['scenario', 'req/s', 'mean ms', 'p50 ms', 'p99 ms', 'gw CPU us/req', 'failed'],
    [
      jsonRow(`direct, upstream 0 ms (${settings.durationS} s)`, json.direct),
      jsonRow(`foundation, upstream 0 ms (${settings.durationS} s)`, json.foundation),
      jsonRow(`resilience, upstream 0 ms (${settings.durationS} s)`, json.resilience),
      jsonRow(`direct, upstream 50 ms (${settings.slowDurationS} s)`, slow.direct),
      jsonRow(`foundation, upstream 50 ms (${settings.slowDurationS} s)`, slow.gateway),
    ],
  );
  const f = json.comparison.foundation;
  const r = json.comparison.resilience;
  const v = json.comparison.resilienceVsFoundation;
  const s = slow.comparison;
  const t = streaming.comparison;
  printTable(
    'Gateway against direct',
    ['figure', 'foundation 0 ms', 'resilience 0 ms', 'foundation 50 ms', 'streaming'],
    [
      [
        'throughput ratio (gateway/direct)',
        fmt(f.throughputRatio, 3),
        fmt(r.throughputRatio, 3),
        fmt(s.throughputRatio, 3),
        fmt(t.throughputRatio, 3),
      ],
      ['added mean latency, ms', fmt(f.addedMeanMs), fmt(r.addedMeanMs), fmt(s.addedMeanMs), '-'],
      [
        'added p50 latency, ms (stream: TTFB)',
        fmt(f.addedP50Ms),
        fmt(r.addedP50Ms),
        fmt(s.addedP50Ms),
        fmt(t.addedTtfbP50Ms),
      ],
      [
        'added p99 latency, ms (stream: TTFB)',
        fmt(f.addedP99Ms),
        fmt(r.addedP99Ms),
        fmt(s.addedP99Ms),
        fmt(t.addedTtfbP99Ms),
      ],
      [
        'gateway CPU per request, us',
        fmt(f.gatewayCpuUsPerRequest, 0),
        fmt(r.gatewayCpuUsPerRequest, 0),
        '-',
        '-',
      ],
    ],
  );
  const verdict = (ok) => (ok ? 'yes' : 'NO');
  const within = `within ${Math.round((overheadTarget - 1) * 100)}%`;
  printTable(
    'Resilience profile (cache + rate limit + breaker) against the foundation, upstream 0 ms',
    ['figure (resilience / foundation)', 'all rounds', within, 'median of rounds', within],
    [
      [
        'gateway CPU per request',
        fmt(v.cpuPerRequestRatio, 3),
        verdict(v.cpuPerRequestRatio <= overheadTarget),
        fmt(v.perRoundMedian.cpuPerRequestRatio, 3),
        verdict(v.perRoundMedian.cpuPerRequestRatio <= overheadTarget),
      ],
      [
        'added mean latency',
        fmt(v.addedMeanRatio, 3),
        verdict(v.addedMeanRatio <= overheadTarget),
        fmt(v.perRoundMedian.addedMeanRatio, 3),
        verdict(v.perRoundMedian.addedMeanRatio <= overheadTarget),
      ],
      ['added p50 latency', fmt(v.addedP50Ratio, 3), verdict(v.addedP50Ratio <= overheadTarget), '', ''],
      [
        'throughput (foundation / resilience)',
        fmt(1 / v.throughputRatio, 3),
        verdict(1 / v.throughputRatio <= overheadTarget),
        '',
        '',
      ],
    ],
  );
  const cacheRow = (name, c) => [
    name,
    fmt(c.reqPerSec, 0),
    fmt(c.latencyMs.mean),
    fmt(c.latencyMs.p50),
    fmt(c.latencyMs.p99),
    c.bad,
  ];
  printTable(
    `Cache, upstream 50 ms (undici, ${settings.cacheRequests} requests, ${settings.cacheConcurrency} in flight)`,
    ['scenario', 'req/s', 'mean ms', 'p50 ms', 'p99 ms', 'failed'],
    [
      cacheRow('direct (unique prompts)', cache.direct),
      cacheRow('resilience, miss (unique prompts)', cache.miss),
      cacheRow('resilience, hit (one prompt, cached)', cache.hit),
      [
        `hit speed-up (miss/hit)`,
        '',
        fmt(cache.speedup.mean, 1),
        fmt(cache.speedup.p50, 1),
        fmt(cache.speedup.p99, 1),
        `>= ${speedupTarget}x: ${verdict(results.targets.cacheHitAtLeast5xFaster)}`,
      ],
    ],
  );
  const streamRow = (name, x) => [
    name,
    fmt(x.reqPerSec, 0),
    fmt(x.ttfbMs.p50),
    fmt(x.ttfbMs.p99),
    fmt(x.totalMs.p50),
    fmt(x.totalMs.p99),
    fmt(x.eventsPerResponse, 1),
    x.bad,
  ];
  printTable(
    `Streamed POST /v1/chat/completions (undici, ${settings.streamRequests} requests, ${settings.streamConcurrency} in flight)`,
    ['scenario', 'req/s', 'TTFB p50', 'TTFB p99', 'total p50', 'total p99', 'events', 'failed'],
    [streamRow('direct', streaming.direct), streamRow('gateway, foundation', streaming.gateway)],
  );
  const m = results.gatewayMemory;
  const phases = ['atStart', 'afterWarmup', 'afterJson', 'afterJson50ms', 'afterCache', 'atEnd'];
  const memoryRows = [];
  for (const name of ['foundation', 'resilience']) {
    memoryRows.push([`${name}, RSS`, ...phases.map((phase) => fmt(m[phase][name].rssMiB, 0))]);
    memoryRows.push([
      `${name}, heap after GC`,
      ...phases.map((phase) => fmt(m[phase][name].heap?.heapUsedMiB, 1)),
    ]);
  }
  printTable('Gateway memory, MiB', ['gateway', ...phases], memoryRows);
  if (results.soak) {
    printTable(
      'Soak: memory after each extra round, MiB (RSS / heap after GC)',
      ['round', 'foundation', 'resilience'],
      results.soak.map((snap, i) => [
        String(i + 1),
        `${fmt(snap.foundation.rssMiB, 0)} / ${fmt(snap.foundation.heap?.heapUsedMiB, 1)}`,
        `${fmt(snap.resilience.rssMiB, 0)} / ${fmt(snap.resilience.heap?.heapUsedMiB, 1)}`,
      ]),
    );
  }
}

try {
  await main();
  await stopAll();
  if (settings.cpuProfile) {
    for (const name of ['foundation', 'resilience']) {
      const path = `${cpuProfileDir}${name}.cpuprofile`;
      try {
        printCpuSummary(`CPU profile of the ${name} gateway (${path})`, summarizeCpuProfile(path, 30));
      } catch (error) {
        console.error(`no CPU profile at ${path}: ${error instanceof Error ? error.message : error}`);
      }
    }
  }
  process.exit(0);
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll();
  process.exit(1);
}
