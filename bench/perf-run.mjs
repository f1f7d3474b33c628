// `pnpm bench:perf` (also a step of `pnpm bench`), issue 14: the gateway with every production feature
// on against the floor for a Node gateway, a bare node:http pass-through proxy, and against no proxy at
// all (direct to the upstream simulators), in one run with the same load. The bare proxy and the
// gateway each run pinned to core 1 (taskset); this process (the load generator), the simulators and
// FerretDB run on core 0. Every figure is also given as a ratio to the bare proxy's of the same run, and
// checked against issue 25's targets (PASS/MISS). BENCH_PERF_RELAY_AB=1 also measures a second production
// gateway with server.relay: false beside the first (server.relay: true).
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { cannon, merge } from './lib/cannon.mjs';
import { printCpuSummary, summarizeCpuProfile } from './lib/cpu-top.mjs';
import { jsonLoad } from './lib/json-load.mjs';
import {
  childPidsOf,
  cpuSecondsOf,
  memoryOf,
  pinSelf,
  startBareProxy,
  telemetryOf,
} from './lib/processes.mjs';
import { startProductionGateway as startGateway, startProductionBase } from './lib/production-env.mjs';
import { alternateRounds, median, perRoundCpuRatio } from './lib/rounds.mjs';
import { giveUpAfter, envNumber as number, runBench } from './lib/run-kit.mjs';
import { streamLoad } from './lib/stream-load.mjs';

const settings = {
  durationS: number('BENCH_PERF_DURATION', 20),
  rounds: number('BENCH_PERF_ROUNDS', 5),
  connections: number('BENCH_CONNECTIONS', 50),
  // V8's tier-up of the gateway on one busy core takes ~20 s of full load (CPU per request falls ~2x meanwhile).
  warmupS: number('BENCH_PERF_WARMUP', 30),
  slowRequests: number('BENCH_PERF_SLOW_REQUESTS', 1500),
  slowRounds: number('BENCH_PERF_SLOW_ROUNDS', 2),
  idleRequests: number('BENCH_PERF_IDLE_REQUESTS', 300),
  idleRounds: number('BENCH_PERF_IDLE_ROUNDS', 3),
  // CPU per stream at the 0 ms upstream: streams per target per round (BENCH_PERF_ROUNDS rounds).
  streamRequests: number('BENCH_PERF_STREAM_REQUESTS', 1000),
  // A second production gateway with server.relay: false (translated), measured beside the relay one.
  relayAb: process.env.BENCH_PERF_RELAY_AB === '1',
  workers: number('BENCH_WORKERS', 1),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  logFile: process.env.BENCH_PERF_LOG,
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
  // Where the results go instead of bench/results/perf-latest.json (a trial run that is not a record).
  resultsFile: process.env.BENCH_PERF_RESULTS,
};
// The targets of issue 25 (production profile, every feature on), against the bare proxy of the same run.
const targets = {
  throughputRatio: 0.6,
  // Printed beside the target: what the issue aims for.
  throughputGoal: 0.8,
  addedP50Ms: 1,
  addedP99Ms: 5,
  // CPU per 36-event stream at the 0 ms upstream, median of per-round ratios.
  streamCpuRatio: 1.5,
  idleTtfbMs: 0.3,
  peakRssRatio: 1.5,
};
// server.memory.releaseAfterIdleMs: the default, which bench/profile-production.yaml keeps.
const releaseAfterIdleMs = 30_000;
const clientKey = 'bench-perf-client-key-5a1e';
const upstreamKey = 'bench-perf-upstream-key-9c3f';
const profile = fileURLToPath(new URL('./profile-production.yaml', import.meta.url));
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const cpuProfilePath = `${resultsDir}profiles/perf-gateway.cpuprofile`;
/** The core of the bare proxy and the gateway; everything else stays on core 0. */
const measuredCore = '1';
const runId = Date.now().toString(36);
const loadAverage = () => loadavg().map((value) => Math.round(value * 100) / 100);
const loadAverageAtStart = loadAverage();

const stops = [];
// About twice the planned time plus start-up margin: a shared machine under load runs it slower.
const budgetS =
  2 * (settings.warmupS + 3 * settings.durationS + 60) +
  360 +
  (settings.workers > 1 ? 2 * (settings.warmupS + 2 * settings.durationS) + 60 : 0) +
  (settings.relayAb ? 2 * (settings.warmupS + 3 * settings.durationS) + 180 : 0);
giveUpAfter('bench perf', stops, budgetS * 1000);
// Interrupted: stop what was started (the gateways and helpers run in process groups of their own).
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`bench perf: ${signal}, stopping`);
    void Promise.allSettled(stops.map((stop) => stop())).finally(() => process.exit(130));
  });
}

const chatBody = (model, prompt, stream = false) =>
  JSON.stringify({
    model,
    messages: [{ role: 'user', content: prompt }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
/** Every request its own prompt (nothing can be answered from a cache), the same bytes for every target. */
let prompts = 0;
const uniqueBody =
  (model, stream = false) =>
  () =>
    chatBody(model, `Benchmark ${runId} request ${++prompts}: answer briefly.`, stream);
const headersFor = (key) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}` });

/** A measured target: its two base URLs (0 ms and 50 ms upstream), its key and its process, if any. */
function target(name, { fast, slow, key, process: child }) {
  return {
    name,
    fast,
    slow,
    headers: headersFor(key),
    process: child,
    // alternateRounds reads CPU time around each load; direct has no process of its own.
    cpuSeconds: () => child?.cpuSeconds() ?? 0,
  };
}

async function sanity(t) {
  const send = (headers) =>
    fetch(`${t.fast}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: chatBody('gpt-4o-mini', 'sanity'),
    });
  const ok = await send(t.headers);
  const answer = await ok.json();
  if (ok.status !== 200 || !String(answer?.choices?.[0]?.message?.content ?? '').startsWith('word0'))
    throw new Error(`${t.name}: sanity request failed: ${ok.status} ${JSON.stringify(answer)}`);
  if (t.name.startsWith('gateway')) {
    if (!ok.headers.get('x-ratelimit-limit')) throw new Error(`${t.name}: the rate limiter is off`);
    const denied = await send({ 'content-type': 'application/json' });
    await denied.arrayBuffer();
    if (denied.status !== 401) throw new Error(`${t.name}: auth is not enforced (${denied.status})`);
  }
}

/**
 * JSON throughput at the 0 ms upstream: every target once per round, order reversed every other round.
 * Besides req/s: how busy the measured process's core was and the simulators' CPU (cores) meanwhile,
 * so a figure limited by core 0 (load generator and simulators) shows as such.
 */
async function throughput(list, durationS, label, upstreamPid) {
  const runs = Object.fromEntries(list.map((t) => [t.name, []]));
  const upstreamCpuS = Object.fromEntries(list.map((t) => [t.name, 0]));
  const roundS = durationS / settings.rounds;
  console.log(`${label} (${settings.rounds} rounds of ${roundS} s per target)`);
  for (let round = 0; round < settings.rounds; round++) {
    for (const t of round % 2 ? [...list].reverse() : list) {
      const upstreamBefore = cpuSecondsOf(upstreamPid);
      const run = await cannon(
        `round ${round + 1} ${t.name}`,
        {
          url: `${t.fast}/v1/chat/completions`,
          headers: t.headers,
          body: uniqueBody('gpt-4o-mini'),
          ...(t.process ? { gateway: t.process } : {}),
        },
        { durationS: roundS, connections: settings.connections },
      );
      upstreamCpuS[t.name] += cpuSecondsOf(upstreamPid) - upstreamBefore;
      runs[t.name].push(run);
    }
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, list]) => {
      const merged = merge(list);
      return [
        name,
        {
          ...merged,
          upstreamCores: upstreamCpuS[name] / merged.durationS,
          ...(merged.gatewayCpuS === undefined
            ? {}
            : { processCores: merged.gatewayCpuS / merged.durationS }),
        },
      ];
    }),
  );
}

const byName = (list) => Object.fromEntries(list.map((t) => [t.name, t]));

/**
 * CPU per streamed answer (36 SSE events) at the 0 ms upstream, measured as the JSON CPU is: the measured
 * process's CPU time from /proc around each load, every target once per round (order reversed every other
 * round), BENCH_PERF_ROUNDS rounds of BENCH_PERF_STREAM_REQUESTS streams at BENCH_CONNECTIONS in flight.
 * Returns the rows of alternateRounds, the SSE events per response and the streams per second per round.
 */
async function streamCpu(list, label) {
  const events = Object.fromEntries(list.map((t) => [t.name, []]));
  const perSecond = Object.fromEntries(list.map((t) => [t.name, []]));
  console.log(
    `\n${label}, upstream 0 ms, undici, ${settings.connections} in flight (${settings.rounds} rounds of ` +
      `${settings.streamRequests} streams per target)`,
  );
  const rows = await alternateRounds({
    gateways: byName(list),
    rounds: settings.rounds,
    requests: settings.streamRequests,
    label: `${label} `,
    load: async (t, requests) => {
      const result = await streamLoad({
        url: `${t.fast}/v1/chat/completions`,
        headers: t.headers,
        body: uniqueBody('gpt-4o-mini', true),
        requests,
        concurrency: settings.connections,
      });
      events[t.name].push(result.eventsPerResponse);
      perSecond[t.name].push(result.reqPerSec);
      return { ...result, latencyMs: result.totalMs };
    },
  });
  return { rows, events, streamsPerSec: perSecond };
}

/** Per target of a streamCpu result: median CPU per stream (µs), streams/s, events per stream, and the ratio to `base`. */
function summarizeStreamCpu({ rows, events, streamsPerSec }, base = 'bare') {
  return Object.fromEntries(
    Object.keys(rows).map((name) => [
      name,
      {
        cpuUsPerStream: median(rows[name].map((row) => row.cpuMsPerRequest * 1000)),
        streamsPerSec: median(streamsPerSec[name]),
        eventsPerStream: median(events[name]),
        failed: rows[name].reduce((sum, row) => sum + row.bad, 0),
        ...(rows[base] ? { cpuRatioToBase: perRoundCpuRatio(rows, name, base) } : {}),
      },
    ]),
  );
}

/** The median over rounds of `json[name]`'s CPU per request against `json[base]`'s in the same round (autocannon rounds). */
const jsonCpuRatio = (json, name, base = 'bare') =>
  median(
    json[name].rounds.map((r, i) => r.gatewayCpuUsPerRequest / json[base].rounds[i].gatewayCpuUsPerRequest),
  );

/** The median over rounds of `rows[name]`'s `field` minus direct's in the same round. */
const addedOverDirect = (rows, name, field) =>
  median(rows[name].map((row, i) => row[field] - rows.direct[i][field]));

function added(rows, names) {
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        p50: addedOverDirect(rows, name, 'p50'),
        p99: addedOverDirect(rows, name, 'p99'),
        cpuUsPerRequest: median(rows[name].map((row) => row.cpuMsPerRequest * 1000)),
      },
    ]),
  );
}

/** Counts the lines of a file (the access log), streaming it. */
async function lineCount(path) {
  let lines = 0;
  for await (const chunk of createReadStream(path)) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
  }
  return lines;
}

/** Waits (up to 30 s) until the gateway's telemetry buffer is empty; returns its /health telemetry. */
async function drainedTelemetry(gateway) {
  const deadline = Date.now() + 30_000;
  let state = await telemetryOf(gateway);
  while (state.buffered > 0 && Date.now() < deadline) {
    await sleep(250);
    state = await telemetryOf(gateway);
  }
  return state;
}

/** Resident set of a process and its children (cluster workers), MiB. */
const treeRssMiB = (pid) =>
  [pid, ...childPidsOf(pid)].reduce((sum, one) => sum + (memoryOf(one).rssMiB ?? 0), 0);

const fmt = (value, digits = 2) =>
  value === undefined || value === null || Number.isNaN(value) ? '-' : Number(value).toFixed(digits);
const verdict = (ok) => (ok ? 'PASS' : 'MISS');

function printTable(title, header, rows) {
  console.log(`\n${title}`);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) =>
    cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i])));
  console.log(line(header).join('  '));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row).join('  '));
}

async function main() {
  pinSelf('0');
  console.log(
    `bench perf: load generator, simulators and FerretDB on core 0; bare proxy and gateway on core ${measuredCore}` +
      ` (${cpus().length} cores; load average ${loadAverage().join(' ')})`,
  );
  const base = await startProductionBase({ name: 'perf', runId, stops, upstreamKey, clientKey });
  const { upstreams } = base;
  const bare = await startBareProxy({
    upstreams: { fast: upstreams.fast, slow: upstreams.slow },
    cpus: measuredCore,
  });
  stops.push(() => bare.stop());

  // The access log goes to a file (or BENCH_PERF_LOG, e.g. /dev/null): written by the gateway, not read back by us.
  // `relay`: server.relay (RELAY in the profile); false runs the translated path only.
  const startProductionGateway = (name, workers, pinned, relay = true) =>
    startGateway(base, {
      name,
      profile,
      log: settings.logFile,
      env: { LOG_LEVEL: settings.logLevel, WORKERS: String(workers), RELAY: String(relay) },
      ...(pinned ? { cpus: measuredCore } : {}),
      ...(settings.cpuProfile && name === 'gateway' ? { cpuProfile: cpuProfilePath } : {}),
    });

  if (settings.cpuProfile) mkdirSync(`${resultsDir}profiles`, { recursive: true });
  const gateway = await startProductionGateway('gateway', 1, true);

  const direct = target('direct', { fast: upstreams.fast, slow: upstreams.slow, key: upstreamKey });
  const bareTarget = target('bare', {
    fast: bare.urls.fast,
    slow: bare.urls.slow,
    key: upstreamKey,
    process: bare,
  });
  const gatewayTarget = target('gateway', {
    fast: gateway.url,
    slow: gateway.url,
    key: clientKey,
    process: gateway,
  });
  const list = [direct, bareTarget, gatewayTarget];
  for (const t of list) await sanity(t);
  const idleRss = { bare: memoryOf(bare.pid).rssMiB, gateway: memoryOf(gateway.pid).rssMiB };
  // Before any load, after a full GC: what "returns near the idle figure" is measured against.
  const idleHeap = { bare: await bare.heap(), gateway: await gateway.heap() };

  console.log('warm-up');
  const warm = (t, durationS) =>
    cannon(
      `${t.name}`,
      { url: `${t.fast}/v1/chat/completions`, headers: t.headers, body: uniqueBody('gpt-4o-mini') },
      { durationS, connections: settings.connections },
    );
  await warm(direct, Math.min(2, settings.warmupS));
  await warm(bareTarget, Math.min(3, settings.warmupS));
  await warm(gatewayTarget, settings.warmupS);
  for (const t of list) {
    await streamLoad({
      url: `${t.fast}/v1/chat/completions`,
      headers: t.headers,
      body: uniqueBody('gpt-4o-mini', true),
      requests: 200,
      concurrency: settings.connections,
    });
  }

  const json0ms = await throughput(
    list,
    settings.durationS,
    'JSON, upstream 0 ms, autocannon',
    upstreams.pid,
  );
  const perRoundRatio = (name, json = json0ms) =>
    median(json[name].rounds.map((r, i) => r.reqPerSec / json.bare.rounds[i].reqPerSec));
  const stream0ms = await streamCpu([bareTarget, gatewayTarget], 'CPU per stream');

  const gateways = byName(list);
  const slowArgs = { gateways, rounds: settings.slowRounds, requests: settings.slowRequests };
  console.log(`\nupstream 50 ms, undici, ${settings.connections} in flight`);
  const json50ms = await alternateRounds({
    ...slowArgs,
    label: 'JSON ',
    load: (t, requests) =>
      jsonLoad({
        url: `${t.slow}/v1/chat/completions`,
        headers: t.headers,
        body: uniqueBody('gpt-4o-mini-slow'),
        requests,
        concurrency: settings.connections,
      }),
  });
  const stream50ms = await alternateRounds({
    ...slowArgs,
    label: 'stream total ',
    load: async (t, requests) => {
      const result = await streamLoad({
        url: `${t.slow}/v1/chat/completions`,
        headers: t.headers,
        body: uniqueBody('gpt-4o-mini-slow', true),
        requests,
        concurrency: settings.connections,
      });
      return { ...result, latencyMs: result.totalMs };
    },
  });

  console.log('\nidle time to first byte, upstream 0 ms, one request at a time');
  const idleArgs = { gateways, rounds: settings.idleRounds, requests: settings.idleRequests };
  const idle = {};
  for (const stream of [false, true]) {
    idle[stream ? 'stream' : 'json'] = await alternateRounds({
      ...idleArgs,
      label: stream ? 'TTFB stream ' : 'TTFB JSON ',
      load: async (t, requests) => {
        const result = await streamLoad({
          url: `${t.fast}/v1/chat/completions`,
          headers: t.headers,
          body: uniqueBody('gpt-4o-mini', stream),
          requests,
          concurrency: 1,
          expectDone: stream,
        });
        return { ...result, latencyMs: result.ttfbMs };
      },
    });
  }

  // Peak resident set over the whole run (VmHWM: warm-up and every load above) and RSS right after the load.
  const peak = { bare: memoryOf(bare.pid), gateway: memoryOf(gateway.pid) };
  // What the gateway gives back on its own (server.memory.releaseAfterIdleMs), read before the probe's GC.
  await sleep(releaseAfterIdleMs + 3000);
  const afterRelease = { bare: memoryOf(bare.pid).rssMiB, gateway: memoryOf(gateway.pid).rssMiB };
  const afterGc = { bare: await bare.heap(), gateway: await gateway.heap() };

  let workers;
  if (settings.workers > 1) {
    // Unpinned: the gateway's processes may use every core, beside the load generator on core 0.
    const many = await startProductionGateway(`gateway-${settings.workers}w`, settings.workers, false);
    const manyTarget = target(`gateway-${settings.workers}w`, {
      fast: many.url,
      slow: many.url,
      key: clientKey,
      process: many,
    });
    await sanity(manyTarget);
    const processes = 1 + childPidsOf(many.pid).length;
    if (processes <= settings.workers) {
      console.warn(
        `bench perf: ${manyTarget.name} runs ${processes} process(es), not a primary and ${settings.workers} workers` +
          ' (is server.workers in bench/profile-production.yaml?)',
      );
    }
    await warm(manyTarget, settings.warmupS);
    const both = await throughput(
      [gatewayTarget, manyTarget],
      settings.durationS,
      `JSON, upstream 0 ms, 1 worker (core ${measuredCore}) against ${settings.workers} workers (unpinned)`,
      upstreams.pid,
    );
    workers = {
      workers: settings.workers,
      processes,
      reqPerSec: { one: both.gateway.reqPerSec, many: both[manyTarget.name].reqPerSec },
      ratio: both[manyTarget.name].reqPerSec / both.gateway.reqPerSec,
      loadGeneratorCores: {
        one: both.gateway.loadCpuCores,
        many: both[manyTarget.name].loadCpuCores,
      },
      rssMiB: treeRssMiB(many.pid),
      runs: both,
    };
  }

  let relayAb;
  if (settings.relayAb) {
    // server.relay: false, pinned to core 1 like the relay gateway; both stay up, measured one at a time.
    const translated = await startProductionGateway('gateway-translated', 1, true, false);
    const translatedTarget = target('gateway-translated', {
      fast: translated.url,
      slow: translated.url,
      key: clientKey,
      process: translated,
    });
    await sanity(translatedTarget);
    console.log('\nrelay A/B: warm-up');
    await warm(translatedTarget, settings.warmupS);
    // The relay gateway idled through the memory phase: a short load grows its heap back.
    await warm(gatewayTarget, Math.min(5, settings.warmupS));
    for (const t of [gatewayTarget, translatedTarget]) {
      await streamLoad({
        url: `${t.fast}/v1/chat/completions`,
        headers: t.headers,
        body: uniqueBody('gpt-4o-mini', true),
        requests: 200,
        concurrency: settings.connections,
      });
    }
    const abList = [bareTarget, gatewayTarget, translatedTarget];
    const json = await throughput(
      abList,
      settings.durationS,
      'relay A/B: JSON, upstream 0 ms, autocannon',
      upstreams.pid,
    );
    const streams = await streamCpu(abList, 'relay A/B: CPU per stream');
    if (!translated.alive()) throw new Error(`the translated gateway died\n${translated.logs()}`);
    const streamSummary = summarizeStreamCpu(streams);
    const side = (name) => ({
      reqPerSec: json[name].reqPerSec,
      throughputRatioToBare: name === 'bare' ? 1 : perRoundRatio(name, json),
      cpuUsPerRequest: json[name].gatewayCpuUsPerRequest,
      cpuRatioToBare: name === 'bare' ? 1 : jsonCpuRatio(json, name),
      cpuUsPerStream: streamSummary[name].cpuUsPerStream,
      streamCpuRatioToBare: streamSummary[name].cpuRatioToBase,
      eventsPerStream: streamSummary[name].eventsPerStream,
      failed: json[name].non2xx + json[name].errors + json[name].timeouts + streamSummary[name].failed,
    });
    relayAb = {
      bare: side('bare'),
      relay: side('gateway'),
      translated: side('gateway-translated'),
      // Per round, relay against translated: < 1 means the relay does better.
      relayOverTranslated: {
        throughput: median(
          json.gateway.rounds.map((r, i) => r.reqPerSec / json['gateway-translated'].rounds[i].reqPerSec),
        ),
        cpuPerRequest: jsonCpuRatio(json, 'gateway', 'gateway-translated'),
        cpuPerStream: perRoundCpuRatio(streams.rows, 'gateway', 'gateway-translated'),
      },
      runs: { json, streams },
    };
    await translated.stop();
  }

  const telemetry = await drainedTelemetry(gateway);
  for (const t of [bare, gateway]) if (!t.alive()) throw new Error(`a measured process died\n${t.logs()}`);
  // Stopped first, so every access-log line it buffered is in the file: one per request it answered.
  await gateway.stop();
  const logLines = settings.logFile ? undefined : await lineCount(join(base.scratch, 'gateway.log'));
  // Written when the gateway exits: where its CPU went over the whole run (warm-up included).
  const cpuProfile = settings.cpuProfile ? summarizeCpuProfile(cpuProfilePath, 40) : undefined;
  if (cpuProfile) printCpuSummary(`CPU profile of the gateway (${cpuProfilePath})`, cpuProfile);

  const added50 = {
    json: added(json50ms, ['bare', 'gateway']),
    stream: added(stream50ms, ['bare', 'gateway']),
  };
  const addedIdle = {
    json: added(idle.json, ['bare', 'gateway']),
    stream: added(idle.stream, ['bare', 'gateway']),
  };
  const throughputRatio = perRoundRatio('gateway');
  const streamCpuSummary = summarizeStreamCpu(stream0ms);
  const streamCpuRatio = streamCpuSummary.gateway.cpuRatioToBase;
  const verdicts = {
    throughput: throughputRatio >= targets.throughputRatio,
    throughputGoal: throughputRatio >= targets.throughputGoal,
    streamCpu: streamCpuRatio <= targets.streamCpuRatio,
    json50msP50: added50.json.gateway.p50 - added50.json.bare.p50 <= targets.addedP50Ms,
    json50msP99: added50.json.gateway.p99 - added50.json.bare.p99 <= targets.addedP99Ms,
    stream50msP50: added50.stream.gateway.p50 - added50.stream.bare.p50 <= targets.addedP50Ms,
    stream50msP99: added50.stream.gateway.p99 - added50.stream.bare.p99 <= targets.addedP99Ms,
    idleTtfbJson: addedIdle.json.gateway.p50 - addedIdle.json.bare.p50 <= targets.idleTtfbMs,
    idleTtfbStream: addedIdle.stream.gateway.p50 - addedIdle.stream.bare.p50 <= targets.idleTtfbMs,
    peakRss: peak.gateway.peakRssMiB <= targets.peakRssRatio * peak.bare.peakRssMiB,
  };

  const results = {
    timestamp: new Date().toISOString(),
    machine: {
      nproc: cpus().length,
      cpuModel: cpus()[0]?.model,
      node: process.version,
      // The host's load average (1, 5, 15 min) at the start and at the end: a shared machine shows as such.
      loadAverage: { start: loadAverageAtStart, end: loadAverage() },
      pinning: {
        loadGenerator: '0',
        simulators: '0',
        ferretdb: '0',
        bare: measuredCore,
        gateway: measuredCore,
      },
    },
    settings: { ...settings, profile: 'bench/profile-production.yaml', targets },
    ...(cpuProfile ? { cpuProfile } : {}),
    json0ms: {
      ...json0ms,
      throughputRatioToBare: throughputRatio,
      cpuRatioToBare: jsonCpuRatio(json0ms, 'gateway'),
    },
    stream0ms: { ...stream0ms, summary: streamCpuSummary, cpuRatioToBare: streamCpuRatio },
    upstream50ms: { json: json50ms, stream: stream50ms, added: added50 },
    idleTtfb: { rounds: idle, added: addedIdle },
    memory: { idleRss, idleHeap, peak, afterRelease, afterGc },
    gatewayChecks: { telemetry, accessLogLines: logLines },
    ...(workers ? { workers } : {}),
    ...(relayAb ? { relayAb } : {}),
    verdicts,
  };
  report(results);
  const out = settings.resultsFile ?? `${resultsDir}perf-latest.json`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults written to ${settings.resultsFile ?? 'bench/results/perf-latest.json'}`);
}

function report(results) {
  const { json0ms: j, stream0ms: st, upstream50ms: s, idleTtfb: i, memory: m, verdicts: v } = results;
  const ratio = (gateway, bare) => fmt(gateway / bare, 2);
  printTable(
    `JSON, upstream 0 ms (autocannon, ${settings.connections} connections, ${settings.durationS} s per target)`,
    [
      'target',
      'req/s',
      '/ bare',
      'p50 ms',
      'p99 ms',
      'CPU us/req',
      'core busy',
      'failed',
      'cores: load gen',
      'simulators',
    ],
    ['direct', 'bare', 'gateway'].map((name) => [
      name,
      fmt(j[name].reqPerSec, 0),
      ratio(j[name].reqPerSec, j.bare.reqPerSec),
      fmt(j[name].latencyMs.p50, 1),
      fmt(j[name].latencyMs.p99, 1),
      fmt(j[name].gatewayCpuUsPerRequest, 0),
      fmt(j[name].processCores, 2),
      j[name].non2xx + j[name].errors + j[name].timeouts,
      fmt(j[name].loadCpuCores, 2),
      fmt(j[name].upstreamCores, 2),
    ]),
  );
  const row = (label, bare, gateway, limit, ok, digits = 2) => [
    label,
    fmt(bare, digits),
    fmt(gateway, digits),
    ratio(gateway, bare),
    fmt(gateway - bare, digits),
    limit,
    verdict(ok),
  ];
  const a = s.added;
  const t = i.added;
  printTable(
    'Gateway against the bare proxy (medians over rounds; "added" = over direct in the same round)',
    ['figure', 'bare', 'gateway', 'ratio', 'difference', 'target', ''],
    [
      [
        'JSON 0 ms req/s (median of per-round ratios)',
        fmt(j.bare.reqPerSec, 0),
        fmt(j.gateway.reqPerSec, 0),
        fmt(j.throughputRatioToBare, 2),
        '',
        `>= ${targets.throughputRatio}x (goal ${targets.throughputGoal}x)`,
        `${verdict(v.throughput)} (goal ${verdict(v.throughputGoal)})`,
      ],
      [
        'CPU per JSON request at 0 ms, us (ratio: per-round median)',
        fmt(j.bare.gatewayCpuUsPerRequest, 0),
        fmt(j.gateway.gatewayCpuUsPerRequest, 0),
        fmt(j.cpuRatioToBare, 2),
        fmt(j.gateway.gatewayCpuUsPerRequest - j.bare.gatewayCpuUsPerRequest, 0),
        '',
        '',
      ],
      [
        `CPU per ${fmt(st.summary.gateway.eventsPerStream, 0)}-event stream at 0 ms, us (per-round median)`,
        fmt(st.summary.bare.cpuUsPerStream, 0),
        fmt(st.summary.gateway.cpuUsPerStream, 0),
        fmt(st.cpuRatioToBare, 2),
        fmt(st.summary.gateway.cpuUsPerStream - st.summary.bare.cpuUsPerStream, 0),
        `<= ${targets.streamCpuRatio}x`,
        verdict(v.streamCpu),
      ],
      row(
        '50 ms JSON added p50, ms',
        a.json.bare.p50,
        a.json.gateway.p50,
        `<= +${targets.addedP50Ms}`,
        v.json50msP50,
      ),
      row(
        '50 ms JSON added p99, ms',
        a.json.bare.p99,
        a.json.gateway.p99,
        `<= +${targets.addedP99Ms}`,
        v.json50msP99,
      ),
      row(
        '50 ms stream total added p50, ms',
        a.stream.bare.p50,
        a.stream.gateway.p50,
        `<= +${targets.addedP50Ms}`,
        v.stream50msP50,
      ),
      row(
        '50 ms stream total added p99, ms',
        a.stream.bare.p99,
        a.stream.gateway.p99,
        `<= +${targets.addedP99Ms}`,
        v.stream50msP99,
      ),
      row(
        'idle TTFB JSON added p50, ms',
        t.json.bare.p50,
        t.json.gateway.p50,
        `<= +${targets.idleTtfbMs}`,
        v.idleTtfbJson,
        3,
      ),
      row(
        'idle TTFB stream added p50, ms',
        t.stream.bare.p50,
        t.stream.gateway.p50,
        `<= +${targets.idleTtfbMs}`,
        v.idleTtfbStream,
        3,
      ),
      [
        'peak RSS (VmHWM), MiB',
        fmt(m.peak.bare.peakRssMiB, 0),
        fmt(m.peak.gateway.peakRssMiB, 0),
        ratio(m.peak.gateway.peakRssMiB, m.peak.bare.peakRssMiB),
        fmt(m.peak.gateway.peakRssMiB - m.peak.bare.peakRssMiB, 0),
        `<= ${targets.peakRssRatio}x`,
        verdict(v.peakRss),
      ],
      [
        'RSS idle / after load / after idle release, MiB',
        `${fmt(m.idleRss.bare, 0)} / ${fmt(m.peak.bare.rssMiB, 0)} / ${fmt(m.afterRelease.bare, 0)}`,
        `${fmt(m.idleRss.gateway, 0)} / ${fmt(m.peak.gateway.rssMiB, 0)} / ${fmt(m.afterRelease.gateway, 0)}`,
        ratio(m.afterRelease.gateway, m.afterRelease.bare),
        '',
        '',
        '',
      ],
      [
        'heap used after GC idle / after load, MiB',
        `${fmt(m.idleHeap.bare?.heapUsedMiB, 1)} / ${fmt(m.afterGc.bare?.heapUsedMiB, 1)}`,
        `${fmt(m.idleHeap.gateway?.heapUsedMiB, 1)} / ${fmt(m.afterGc.gateway?.heapUsedMiB, 1)}`,
        ratio(m.afterGc.gateway?.heapUsedMiB, m.afterGc.bare?.heapUsedMiB),
        '',
        '',
        '',
      ],
      [
        'CPU per request at 50 ms (JSON), us',
        fmt(a.json.bare.cpuUsPerRequest, 0),
        fmt(a.json.gateway.cpuUsPerRequest, 0),
        ratio(a.json.gateway.cpuUsPerRequest, a.json.bare.cpuUsPerRequest),
        '',
        '',
        '',
      ],
      [
        'CPU per stream at 50 ms, us',
        fmt(a.stream.bare.cpuUsPerRequest, 0),
        fmt(a.stream.gateway.cpuUsPerRequest, 0),
        ratio(a.stream.gateway.cpuUsPerRequest, a.stream.bare.cpuUsPerRequest),
        '',
        '',
        '',
      ],
    ],
  );
  console.log(
    `streams at 0 ms: bare ${fmt(st.summary.bare.streamsPerSec, 0)}, gateway ${fmt(st.summary.gateway.streamsPerSec, 0)} ` +
      `streams/s (median round); SSE events per stream ${fmt(st.summary.bare.eventsPerStream, 0)} / ` +
      `${fmt(st.summary.gateway.eventsPerStream, 0)}; failed ${st.summary.bare.failed} / ${st.summary.gateway.failed}`,
  );
  const c = results.gatewayChecks;
  console.log(
    `\ngateway: telemetry recorded ${c.telemetry.recorded}, store ${c.telemetry.store}, buffered ${c.telemetry.buffered};` +
      ` access log ${c.accessLogLines ?? '(not counted)'} lines`,
  );
  const load = results.machine.loadAverage;
  console.log(
    `load average (1, 5, 15 min): ${load.start.join(' ')} at the start, ${load.end.join(' ')} at the end`,
  );
  const w = results.workers;
  if (w) {
    console.log(
      `\n${w.workers} workers (${w.processes} processes, unpinned): ${fmt(w.reqPerSec.many, 0)} req/s against ` +
        `${fmt(w.reqPerSec.one, 0)} with 1 worker on one core (x${fmt(w.ratio, 2)}); load generator busy ` +
        `${fmt(w.loadGeneratorCores.many, 2)} / ${fmt(w.loadGeneratorCores.one, 2)} of a core; RSS of all ${fmt(w.rssMiB, 0)} MiB`,
    );
  }
  const r = results.relayAb;
  if (r) {
    const sides = [r.bare, r.relay, r.translated];
    printTable(
      'Relay A/B: server.relay true (relay) against false (translated), both pinned to core 1, same rounds' +
        ' (relay / translated: req/s above 1, CPU below 1 favour the relay)',
      ['figure', 'bare', 'relay', 'translated', 'relay / translated'],
      [
        [
          'JSON 0 ms req/s',
          ...sides.map((x) => fmt(x.reqPerSec, 0)),
          fmt(r.relayOverTranslated.throughput, 2),
        ],
        ['  / bare (per-round median)', ...sides.map((x) => fmt(x.throughputRatioToBare, 2)), ''],
        [
          'CPU per JSON request at 0 ms, us',
          ...sides.map((x) => fmt(x.cpuUsPerRequest, 0)),
          fmt(r.relayOverTranslated.cpuPerRequest, 2),
        ],
        ['  / bare (per-round median)', ...sides.map((x) => fmt(x.cpuRatioToBare, 2)), ''],
        [
          'CPU per stream at 0 ms, us',
          ...sides.map((x) => fmt(x.cpuUsPerStream, 0)),
          fmt(r.relayOverTranslated.cpuPerStream, 2),
        ],
        ['  / bare (per-round median)', ...sides.map((x) => fmt(x.streamCpuRatioToBare, 2)), ''],
        ['SSE events per stream', ...sides.map((x) => fmt(x.eventsPerStream, 0)), ''],
        ['failed', ...sides.map((x) => x.failed), ''],
      ],
    );
  }
}

await runBench('bench perf', main, stops);
