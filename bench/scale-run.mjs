// Sizing figures for `server.workers` (issue 25, item 4): `node bench/scale-run.mjs`. The production gateway
// (bench/profile-production.yaml: every feature on, telemetry to a testkit FerretDB, access log to a file)
// with server.workers = 1 and with server.workers = 2, both started once and kept up, measured in turns:
// JSON chat requests against the 0 ms upstream with autocannon, every request its own prompt, rounds in
// alternating order. Per run: req/s, and the CPU seconds of every gateway process (the cluster primary and
// each worker, from /proc), of the load generator (this process), the simulators and FerretDB. Per process:
// RSS idle (after start and a few requests), right after the load, and its peak (VmHWM), from /proc.
// Nothing is pinned: on a host with few cores the load generator, simulators and FerretDB compete with the
// workers, so the run derives what does not depend on that: requests per second per busy gateway core
// (requests / gateway CPU seconds) and memory per worker. Results: bench/results/scale-latest.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cannon } from './lib/cannon.mjs';
import { childPidsOf, cpuSecondsOf, memoryOf, repoRoot } from './lib/processes.mjs';
import { startProductionGateway as startGateway, startProductionBase } from './lib/production-env.mjs';
import { median } from './lib/rounds.mjs';
import { envNumber, giveUpAfter, runBench } from './lib/run-kit.mjs';

const settings = {
  durationS: envNumber('BENCH_SCALE_DURATION', 8),
  rounds: envNumber('BENCH_SCALE_ROUNDS', 4),
  warmupS: envNumber('BENCH_SCALE_WARMUP', 15),
  connections: envNumber('BENCH_CONNECTIONS', 50),
  workers: (process.env.BENCH_SCALE_WORKERS ?? '1,2').split(',').map(Number).filter(Boolean),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  resultsFile: process.env.BENCH_SCALE_RESULTS,
};
const clientKey = 'bench-scale-client-key-71c2';
const upstreamKey = 'bench-scale-upstream-key-4d0b';
const profile = fileURLToPath(new URL('./profile-production.yaml', import.meta.url));
const runId = Date.now().toString(36);

const stops = [];
const budgetS =
  settings.workers.length * (settings.warmupS + settings.rounds * (settings.durationS + 5) + 60) + 180;
giveUpAfter('scale run', stops, budgetS * 1000);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`scale run: ${signal}, stopping`);
    void Promise.allSettled(stops.map((stop) => stop())).finally(() => process.exit(130));
  });
}

const loadAverage = () => loadavg().map((value) => Math.round(value * 100) / 100);
const fmt = (value, digits = 0) =>
  value === undefined || value === null || Number.isNaN(value) ? '-' : Number(value).toFixed(digits);

/** The pid of this process's FerretDB child (testkit's startMongo), if any: its CPU is read beside the run. */
function ferretPid() {
  for (const pid of childPidsOf(process.pid)) {
    try {
      if (/ferret/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) return pid;
    } catch {}
  }
  return undefined;
}

/** Every process of a gateway: the one started and its children (the cluster workers, if any). */
const processesOf = (gateway) => [gateway.pid, ...childPidsOf(gateway.pid)];
const cpuOfAll = (pids) => pids.reduce((sum, pid) => sum + (cpuSecondsOf(pid) ?? 0), 0);

let prompt = 0;
const targetOf = (gateway) => ({
  url: `${gateway.url}/v1/chat/completions`,
  headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
  body: () =>
    JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `Scale ${runId} request ${++prompt}: answer briefly.` }],
    }),
});

async function sanity(gateway, name) {
  const answer = await fetch(targetOf(gateway).url, {
    method: 'POST',
    headers: targetOf(gateway).headers,
    body: targetOf(gateway).body(),
  });
  const body = await answer.json();
  if (answer.status !== 200 || !answer.headers.get('x-ratelimit-limit'))
    throw new Error(`${name}: sanity request failed: ${answer.status} ${JSON.stringify(body)}`);
}

/** RSS (MiB) of each process of a gateway: `primary` is the process started; `workers` its children. */
function memoryOfGateway(gateway, workers) {
  const [first, ...children] = processesOf(gateway);
  const read = (pid) => ({ pid, ...memoryOf(pid) });
  // server.workers = 1 runs in one process: it is the worker, there is no primary.
  return workers > 1
    ? { primary: read(first), workers: children.map(read) }
    : { primary: undefined, workers: [read(first)] };
}

async function main() {
  console.log(
    `scale run: server.workers ${settings.workers.join(' and ')} on ${availableParallelism()} cores ` +
      `(${cpus()[0]?.model}), nothing pinned; load average ${loadAverage().join(' ')}`,
  );
  const base = await startProductionBase({ name: 'scale', runId, stops, upstreamKey, clientKey });
  const { upstreams } = base;
  const ferret = ferretPid();

  const gateways = {};
  for (const workers of settings.workers) {
    const name = `${workers} worker${workers > 1 ? 's' : ''}`;
    const gateway = await startGateway(base, {
      name: `workers-${workers}`,
      profile,
      env: { LOG_LEVEL: settings.logLevel, WORKERS: String(workers) },
      timeoutMs: 60_000,
    });
    // /health answers once one worker listens: wait for all of them before reading their memory.
    const deadline = Date.now() + 30_000;
    while (workers > 1 && childPidsOf(gateway.pid).length < workers && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < 4 * workers; i++) await sanity(gateway, name);
    gateways[workers] = { name, gateway, idle: memoryOfGateway(gateway, workers) };
  }
  for (const workers of settings.workers) {
    const { name, gateway } = gateways[workers];
    const count = processesOf(gateway).length;
    console.log(`${name}: ${count} process(es)`);
    if (workers > 1 && count !== workers + 1)
      console.warn(`scale run: ${name} runs ${count} processes, not a primary and ${workers} workers`);
    await cannon(`warm-up, ${name}`, targetOf(gateway), {
      durationS: settings.warmupS,
      connections: settings.connections,
    });
  }

  const runs = Object.fromEntries(settings.workers.map((workers) => [workers, []]));
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 ? [...settings.workers].reverse() : settings.workers;
    for (const workers of order) {
      const { name, gateway } = gateways[workers];
      const pids = processesOf(gateway);
      const before = {
        gateway: cpuOfAll(pids),
        perProcess: pids.map((pid) => cpuSecondsOf(pid) ?? 0),
        upstream: cpuSecondsOf(upstreams.pid) ?? 0,
        ferret: ferret ? (cpuSecondsOf(ferret) ?? 0) : 0,
      };
      const run = await cannon(`round ${round + 1}, ${name}`, targetOf(gateway), {
        durationS: settings.durationS,
        connections: settings.connections,
      });
      const gatewayCpuS = cpuOfAll(pids) - before.gateway;
      const row = {
        round: round + 1,
        reqPerSec: run.reqPerSec,
        p50Ms: run.latencyMs.p50,
        p99Ms: run.latencyMs.p99,
        failed: run.non2xx + run.errors + run.timeouts,
        // Cores busy over the run (CPU seconds per second).
        gatewayCores: gatewayCpuS / run.durationS,
        perProcessCores: pids.map(
          (pid, i) => ((cpuSecondsOf(pid) ?? 0) - before.perProcess[i]) / run.durationS,
        ),
        cpuUsPerRequest: (gatewayCpuS * 1e6) / run.total,
        loadGeneratorCores: run.loadCpuS / run.durationS,
        simulatorCores: ((cpuSecondsOf(upstreams.pid) ?? 0) - before.upstream) / run.durationS,
        ferretCores: ferret ? ((cpuSecondsOf(ferret) ?? 0) - before.ferret) / run.durationS : undefined,
        loadAverage: loadAverage(),
      };
      runs[workers].push(row);
      console.log(
        `    gateway ${row.gatewayCores.toFixed(2)} cores (${row.perProcessCores.map((c) => c.toFixed(2)).join(' + ')}), ` +
          `${fmt(row.cpuUsPerRequest)} µs/request; load generator ${row.loadGeneratorCores.toFixed(2)}, ` +
          `simulators ${row.simulatorCores.toFixed(2)}, FerretDB ${fmt(row.ferretCores, 2)} cores; ` +
          `load average ${row.loadAverage[0]}`,
      );
    }
  }

  const results = {};
  for (const workers of settings.workers) {
    const { gateway, idle } = gateways[workers];
    const rows = runs[workers];
    const afterLoad = memoryOfGateway(gateway, workers);
    const reqPerSec = median(rows.map((r) => r.reqPerSec));
    const cpuUsPerRequest = median(rows.map((r) => r.cpuUsPerRequest));
    const rss = (list, field) => list.map((one) => one[field]);
    results[workers] = {
      reqPerSec,
      p50Ms: median(rows.map((r) => r.p50Ms)),
      p99Ms: median(rows.map((r) => r.p99Ms)),
      gatewayCores: median(rows.map((r) => r.gatewayCores)),
      cpuUsPerRequest,
      // What one core given wholly to a worker answers: requests per CPU second of the gateway's processes.
      reqPerSecPerBusyCore: 1e6 / cpuUsPerRequest,
      // req/s divided by the workers (on a host with fewer free cores than workers, below the busy-core figure).
      reqPerSecPerWorker: reqPerSec / workers,
      loadGeneratorCores: median(rows.map((r) => r.loadGeneratorCores)),
      simulatorCores: median(rows.map((r) => r.simulatorCores)),
      ferretCores: median(rows.map((r) => r.ferretCores)),
      failed: rows.reduce((sum, r) => sum + r.failed, 0),
      memoryMiB: {
        primary: idle.primary
          ? {
              idleRss: idle.primary.rssMiB,
              rssAfterLoad: afterLoad.primary?.rssMiB,
              peakRss: afterLoad.primary?.peakRssMiB,
            }
          : undefined,
        workers: {
          idleRss: rss(idle.workers, 'rssMiB'),
          rssAfterLoad: rss(afterLoad.workers, 'rssMiB'),
          peakRss: rss(afterLoad.workers, 'peakRssMiB'),
        },
        perWorkerPeakRss: median(rss(afterLoad.workers, 'peakRssMiB')),
        perWorkerRssAfterLoad: median(rss(afterLoad.workers, 'rssMiB')),
        totalPeakRss:
          (afterLoad.primary?.peakRssMiB ?? 0) +
          rss(afterLoad.workers, 'peakRssMiB').reduce((sum, value) => sum + (value ?? 0), 0),
      },
      rounds: rows,
    };
  }

  console.log(
    `\nserver.workers on ${availableParallelism()} cores, production profile, JSON at the 0 ms upstream, ` +
      `${settings.connections} connections (medians of ${settings.rounds} rounds of ${settings.durationS} s)`,
  );
  const header = [
    'workers',
    'req/s',
    'p99 ms',
    'gateway cores',
    'CPU µs/req',
    'req/s per busy core',
    'load gen',
    'simulators',
    'FerretDB',
    'primary RSS idle/peak',
    'per-worker RSS idle/after/peak',
  ];
  const rows = settings.workers.map((workers) => {
    const r = results[workers];
    const m = r.memoryMiB;
    return [
      workers,
      fmt(r.reqPerSec),
      fmt(r.p99Ms, 1),
      fmt(r.gatewayCores, 2),
      fmt(r.cpuUsPerRequest),
      fmt(r.reqPerSecPerBusyCore),
      fmt(r.loadGeneratorCores, 2),
      fmt(r.simulatorCores, 2),
      fmt(r.ferretCores, 2),
      m.primary ? `${fmt(m.primary.idleRss)} / ${fmt(m.primary.peakRss)}` : '(none)',
      `${fmt(median(m.workers.idleRss))} / ${fmt(m.perWorkerRssAfterLoad)} / ${fmt(m.perWorkerPeakRss)}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((cell, i) => String(cell).padStart(widths[i])).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  if (results[1] && results[2]) {
    console.log(
      `2 workers against 1: x${(results[2].reqPerSec / results[1].reqPerSec).toFixed(2)} req/s; ` +
        `memory of 2 workers: primary ${fmt(results[2].memoryMiB.primary?.peakRss)} + 2 × ` +
        `${fmt(results[2].memoryMiB.perWorkerPeakRss)} MiB peak = ${fmt(results[2].memoryMiB.totalPeakRss)} MiB`,
    );
  }

  const out = settings.resultsFile ?? join(repoRoot, 'bench/results/scale-latest.json');
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        timestamp: new Date().toISOString(),
        machine: { nproc: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version },
        settings: { ...settings, profile: 'bench/profile-production.yaml' },
        loadAverageAtEnd: loadAverage(),
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`results written to ${settings.resultsFile ?? 'bench/results/scale-latest.json'}`);
}

await runBench('scale run', main, stops);
