// `node bench/alloc-run.mjs` (issue 25): bytes the gateway's JavaScript heap allocates per request and
// its CPU per request, for JSON chat completions and for 36-event streams, after a warm-up. The
// gateway runs with lib/alloc-probe.mjs preloaded, which sums what every GC freed plus the heap's
// growth between two signals (see that file). With BENCH_ALLOC_BASELINE=<dir> (a copy of another
// build: `packages/`, `plugins/` and a `node_modules` link, see bench/README.md) both builds run side
// by side and are measured alternately in every round, so the VM's drifting speed hits both alike.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { printCpuSummary, summarizeCpuProfile } from './lib/cpu-top.mjs';
import { jsonLoad } from './lib/json-load.mjs';
import { pinSelf } from './lib/processes.mjs';
import { startProductionGateway as startGateway, startProductionBase } from './lib/production-env.mjs';
import { median } from './lib/rounds.mjs';
import { giveUpAfter, envNumber as number, runBench } from './lib/run-kit.mjs';
import { streamLoad } from './lib/stream-load.mjs';

const settings = {
  requests: number('BENCH_ALLOC_REQUESTS', 3000),
  streams: number('BENCH_ALLOC_STREAMS', 600),
  rounds: number('BENCH_ALLOC_ROUNDS', 3),
  warmup: number('BENCH_ALLOC_WARMUP', 8000),
  concurrency: number('BENCH_CONNECTIONS', 20),
  profile: process.env.BENCH_ALLOC_PROFILE ?? 'production',
  baseline: process.env.BENCH_ALLOC_BASELINE,
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  sample: process.env.BENCH_ALLOC_SAMPLE === '1',
  // 1: every gateway under --cpu-prof (whole run, warm-up included); summaries printed at the end.
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
  // 1: the gateways on core 1, this process, the simulators and FerretDB on core 0 (as perf-run).
  pin: process.env.BENCH_ALLOC_PIN !== '0',
};
const clientKey = 'bench-alloc-client-key-7d2b';
const upstreamKey = 'bench-alloc-upstream-key-41e8';
const profiles = {
  production: fileURLToPath(new URL('./profile-production.yaml', import.meta.url)),
  foundation: fileURLToPath(new URL('./profile.yaml', import.meta.url)),
};
const probe = pathToFileURL(fileURLToPath(new URL('./lib/alloc-probe.mjs', import.meta.url))).href;
const profilesDir = fileURLToPath(new URL('./results/profiles/', import.meta.url));
const runId = Date.now().toString(36);
/** A fresh directory per build for its gateway's CPU profiles (one file per thread). */
const cpuDirOf = (name) => join(profilesDir, `alloc-cpu-${name}`);

const stops = [];
const perRound = settings.requests / 1000 + settings.streams / 300 + 10;
giveUpAfter('bench alloc', stops, (300 + 4 * settings.rounds * perRound + settings.warmup / 100) * 1000);

let prompts = 0;
const body = (stream) => () =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `Alloc ${runId} request ${++prompts}: answer briefly.` }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${clientKey}` };

/** Signals the probe and resolves with the `bench-alloc` line it writes (the window just closed). */
async function readWindow(gateway) {
  const count = () => (gateway.logs().match(/^bench-alloc \{/gm) ?? []).length;
  const before = count();
  process.kill(gateway.pid, 'SIGWINCH');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    await sleep(20);
    if (count() > before) {
      const lines = gateway.logs().match(/^bench-alloc (\{.*\})$/gm);
      return JSON.parse(lines.at(-1).slice('bench-alloc '.length));
    }
  }
  throw new Error(`${gateway.name}: the alloc probe did not answer\n${gateway.logs().slice(-2000)}`);
}

const json = (gateway, requests) =>
  jsonLoad({
    url: `${gateway.url}/v1/chat/completions`,
    headers,
    body: body(false),
    requests,
    concurrency: settings.concurrency,
    onResponse: (_response, text) => text.includes('word0'),
  });
const streams = (gateway, requests) =>
  streamLoad({
    url: `${gateway.url}/v1/chat/completions`,
    headers,
    body: body(true),
    requests,
    concurrency: settings.concurrency,
  });

/** One measured window: load, then the probe's reading and the process's CPU over it, per request. */
async function measure(gateway, kind, requests) {
  await readWindow(gateway); // closes whatever ran before: the window starts now
  const cpuBefore = gateway.cpuSeconds();
  const result = kind === 'json' ? await json(gateway, requests) : await streams(gateway, requests);
  const cpuS = gateway.cpuSeconds() - cpuBefore;
  const window = await readWindow(gateway);
  if (result.bad > 0)
    throw new Error(`${gateway.name} ${kind}: ${result.bad} bad answers ${JSON.stringify(result.errors)}`);
  return {
    bytes: window.allocatedBytes / requests,
    externalBytes: window.externalGrowth / requests,
    cpuUs: (cpuS * 1e6) / requests,
    probeCpuUs: window.cpuUs / requests,
    gcPauseUs: (window.gcPauseMs * 1000) / requests,
    gcs: window.gcs,
  };
}

/** Self size per function of a sampling heap profile (objects collected since included), top `rows`. */
function topAllocations(file, rows = 30) {
  const { head } = JSON.parse(readFileSync(file, 'utf8'));
  const bySite = new Map();
  let total = 0;
  const walk = (node) => {
    const self = node.selfSize ?? 0;
    if (self > 0) {
      const { functionName, url, lineNumber } = node.callFrame;
      const short = url
        .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
        .replace(/^.*\/(packages|plugins)\//, '$1/');
      const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
      bySite.set(key, (bySite.get(key) ?? 0) + self);
      total += self;
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(head);
  return { total, top: [...bySite].sort((a, b) => b[1] - a[1]).slice(0, rows) };
}

const fmt = (value, digits = 0) => (value === undefined ? '-' : Number(value).toFixed(digits));

async function main() {
  if (settings.pin) pinSelf('0');
  const base = await startProductionBase({ name: 'alloc', runId, stops, upstreamKey, clientKey });
  if (settings.sample || settings.cpuProfile) mkdirSync(profilesDir, { recursive: true });

  // BENCH_ALLOC_BASELINE: one build directory, or several separated by commas (named by their last part).
  const baselines = (settings.baseline ?? '').split(',').filter(Boolean);
  const builds = [
    ...baselines.map((dir) => ({
      name: baselines.length === 1 ? 'baseline' : basename(dir),
      cli: join(dir, 'packages/server/dist/cli.js'),
    })),
    { name: 'current', cli: undefined },
  ];
  const gateways = [];
  for (const build of builds) {
    const sampleFile = join(profilesDir, `alloc-${build.name}.heapprofile`);
    if (settings.cpuProfile) {
      rmSync(cpuDirOf(build.name), { recursive: true, force: true });
      mkdirSync(cpuDirOf(build.name), { recursive: true });
    }
    const gateway = await startGateway(base, {
      name: build.name,
      profile: profiles[settings.profile] ?? settings.profile,
      env: {
        LOG_LEVEL: settings.logLevel,
        NODE_OPTIONS: `--import=${probe}`,
        ...(settings.sample ? { BENCH_ALLOC_SAMPLE: sampleFile } : {}),
      },
      ...(settings.pin ? { cpus: '1' } : {}),
      ...(build.cli ? { cli: build.cli } : {}),
      ...(settings.cpuProfile ? { cpuProfileDir: cpuDirOf(build.name) } : {}),
    });
    gateways.push({ ...gateway, name: build.name, sampleFile });
  }

  console.log(
    `bench alloc: ${settings.profile} profile, ${builds.map((b) => b.name).join(' vs ')}; warm-up ${settings.warmup} JSON` +
      ` + ${Math.round(settings.warmup / 10)} streams each, then ${settings.rounds} rounds of ${settings.requests} JSON` +
      ` and ${settings.streams} streams per gateway, ${settings.concurrency} in flight`,
  );
  for (const gateway of gateways) {
    await json(gateway, settings.warmup);
    await streams(gateway, Math.round(settings.warmup / 10));
  }

  const results = Object.fromEntries(gateways.map((g) => [g.name, { json: [], stream: [] }]));
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 ? [...gateways].reverse() : gateways;
    for (const kind of ['json', 'stream']) {
      for (const gateway of order) {
        const row = await measure(gateway, kind, kind === 'json' ? settings.requests : settings.streams);
        results[gateway.name][kind].push(row);
        console.log(
          `round ${round + 1} ${kind.padEnd(6)} ${gateway.name.padEnd(8)} ${fmt(row.bytes)} B/req` +
            ` (+${fmt(row.externalBytes)} external)  CPU ${fmt(row.cpuUs)} us/req  GC pause ${fmt(row.gcPauseUs, 1)} us/req` +
            `  GCs ${JSON.stringify(row.gcs)}`,
        );
      }
    }
  }

  console.log('\nmedian over rounds');
  console.log('build     kind    bytes/req  CPU us/req  GC pause us/req');
  for (const [name, kinds] of Object.entries(results)) {
    for (const [kind, rows] of Object.entries(kinds)) {
      console.log(
        `${name.padEnd(9)} ${kind.padEnd(6)} ${fmt(median(rows.map((r) => r.bytes))).padStart(10)}` +
          `  ${fmt(median(rows.map((r) => r.cpuUs))).padStart(10)}  ${fmt(median(rows.map((r) => r.gcPauseUs)), 1).padStart(15)}`,
      );
    }
  }
  for (const base of gateways.slice(0, -1)) {
    for (const kind of ['json', 'stream']) {
      const ratio = (field) =>
        median(results.current[kind].map((row, i) => row[field] / results[base.name][kind][i][field]));
      console.log(
        `current / ${base.name}, ${kind}: bytes x${fmt(ratio('bytes'), 3)}, CPU x${fmt(ratio('cpuUs'), 3)} (median of per-round ratios)`,
      );
    }
  }

  if (settings.sample) {
    // One more window of each kind per gateway: its sampling profile is written when the window closes.
    for (const kind of ['json', 'stream']) {
      for (const gateway of gateways) {
        const requests = kind === 'json' ? settings.requests : settings.streams;
        await measure(gateway, kind, requests);
        const { total, top } = topAllocations(gateway.sampleFile);
        console.log(
          `\n${gateway.name}: sampled allocation sites over ${requests} ${kind} requests (${fmt(total / requests)} B/req sampled)`,
        );
        for (const [site, bytes] of top) console.log(`${fmt(bytes / requests).padStart(7)} B/req  ${site}`);
        copyFileSync(
          gateway.sampleFile,
          gateway.sampleFile.replace(/\.heapprofile$/, `-${kind}.heapprofile`),
        );
      }
    }
  }

  if (settings.cpuProfile) {
    // Node writes the profile when the process exits.
    // A gateway writing a long profile may take seconds to exit: no SIGKILL after the usual 5 s.
    await Promise.all(
      gateways.map(async (gateway) => {
        const stopping = Date.now();
        await gateway.stop(60_000);
        console.log(`${gateway.name} stopped in ${Date.now() - stopping} ms`);
      }),
    );
    for (const gateway of gateways) {
      // The main thread's (thread id 0), not the tokenizer worker's; the last one written: a gateway that
      // re-executes itself with heap flags (server.memory) leaves the start-up image's profile too.
      const dir = cpuDirOf(gateway.name);
      const name = readdirSync(dir)
        .filter((file) => file.includes(`.${gateway.pid}.0.`))
        .sort()
        .at(-1);
      if (!name) throw new Error(`no CPU profile of ${gateway.name}'s main thread in ${dir}`);
      const file = join(dir, name);
      printCpuSummary(`CPU profile of ${gateway.name} (${file})`, summarizeCpuProfile(file, 25));
    }
  }
}

await runBench('bench alloc', main, stops);
