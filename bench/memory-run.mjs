// Memory of one gateway (bench/profile.yaml: auth, metrics, telemetry) under each heap setting, in
// alternating rounds: RSS at idle, its peak under JSON load, and after the load (at once, after
// BENCH_MEMORY_IDLE s of idle in which the gateway's own idle release runs, then after the heap probe's
// full GC), with CPU per request. `node bench/memory-run.mjs`
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueChatLoad } from './lib/json-load.mjs';
import { memoryOf, repoRoot, startGateway } from './lib/processes.mjs';
import { envNumber, giveUpAfter } from './lib/run-kit.mjs';
import { clientKey, profileWithServer, startVariantUpstreams } from './lib/variant-gateways.mjs';

const settings = {
  requests: envNumber('BENCH_MEMORY_REQUESTS', 30_000),
  concurrency: envNumber('BENCH_CONNECTIONS', 50),
  // Past server.memory.releaseAfterIdleMs (default 30 s): RSS then is what the gateway gives back on its own.
  idleS: envNumber('BENCH_MEMORY_IDLE', 33),
  rounds: envNumber('BENCH_MEMORY_ROUNDS', 2),
};

/** Settings compared: `server.memory` of the profile (optionally with environment for the process). */
// glibc's malloc tuned (2 arenas, 64 KiB mmap and trim thresholds) was tried as well: RSS after load
// 355 and 475 MiB against 516 and 449 without, CPU per request +18% in both rounds; no win, no option.
const glibc = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '65536', MALLOC_TRIM_THRESHOLD_: '65536' };
const variants = [
  { name: 'V8 defaults (semiSpaceMiB: 0)', memory: { semiSpaceMiB: 0 } },
  { name: 'semiSpaceMiB: 16 (the default)', memory: { semiSpaceMiB: 16 } },
  { name: 'semiSpaceMiB: 8', memory: { semiSpaceMiB: 8 } },
  ...(process.env.BENCH_MEMORY_GLIBC
    ? [{ name: 'semiSpaceMiB: 16, glibc malloc tuned', memory: { semiSpaceMiB: 16 }, env: glibc }]
    : []),
];

function profileFor(variant, index) {
  const memory = Object.entries(variant.memory)
    .map(([key, value]) => `${key}: ${value}`)
    .join(', ');
  return profileWithServer(String(index), `memory: { ${memory} }`);
}

const stops = [];
giveUpAfter('memory run', stops, 15 * 60_000);
const { env } = await startVariantUpstreams(stops);

async function measure(variant, index) {
  const gateway = await startGateway({
    profile: profileFor(variant, index),
    env: { ...env, ...variant.env },
  });
  const load = uniqueChatLoad({ key: clientKey, tag: `memory ${index}`, concurrency: settings.concurrency });
  try {
    await load(gateway, 2000); // warm-up: JIT, pools
    const idle = await gateway.heap();
    const cpuBefore = gateway.cpuSeconds();
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, memoryOf(gateway.pid).rssMiB ?? 0);
    }, 200);
    const result = await load(gateway, settings.requests);
    clearInterval(sampler);
    const cpuMicros = ((gateway.cpuSeconds() - cpuBefore) / settings.requests) * 1e6;
    const afterLoad = memoryOf(gateway.pid).rssMiB;
    await sleep(settings.idleS * 1000);
    const afterIdleRelease = memoryOf(gateway.pid).rssMiB;
    const rested = await gateway.heap();
    const cmdline = readFileSync(`/proc/${gateway.pid}/cmdline`, 'utf8').split('\0');
    return {
      variant: variant.name,
      flags: cmdline.filter((arg) => arg.startsWith('--max-')),
      idleRssMiB: idle?.rssAfterGcMiB,
      peakRssMiB: Math.max(peak, memoryOf(gateway.pid).peakRssMiB ?? 0),
      afterLoadRssMiB: afterLoad,
      afterIdleReleaseRssMiB: afterIdleRelease,
      restedGcRssMiB: rested?.rssAfterGcMiB,
      heapAfterGcMiB: rested?.heapUsedMiB,
      heapTotalAfterGcMiB: rested?.heapTotalMiB,
      oldSpaceAfterGcMiB: rested?.spacesMiB?.old_space,
      externalAfterGcMiB: rested?.externalMiB,
      newSpaceMiBAfterGc: rested?.spacesMiB?.new_space,
      requestsPerSecond: result.reqPerSec,
      cpuMicrosPerRequest: Math.round(cpuMicros),
      failed: result.bad,
    };
  } finally {
    await gateway.stop();
  }
}

const rows = [];
for (let round = 0; round < settings.rounds; round++) {
  for (const [index, variant] of variants.entries()) {
    const row = await measure(variant, index);
    rows.push({ round, ...row });
    console.log(JSON.stringify(rows.at(-1)));
  }
}
writeFileSync(
  join(repoRoot, 'bench/results/memory-latest.json'),
  `${JSON.stringify({ settings, rows }, null, 2)}\n`,
);
for (const stop of stops.reverse()) await stop();
process.exit(0);
