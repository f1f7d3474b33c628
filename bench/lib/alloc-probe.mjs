// Preloaded into a benchmarked gateway (`NODE_OPTIONS=--import=<this file>`, see bench/alloc-run.mjs):
// counts the bytes the JavaScript heap allocated between two SIGWINCH signals. Each signal writes one
// `bench-alloc {json}` line to stderr with the figures since the previous signal (or since start-up)
// and starts a new window.
//
// Method: V8 has no running "bytes allocated" counter in Node 24, but every byte allocated since a mark
// is either still in the heap or was freed by a collection since. So
//   allocated = sum over GCs in the window of (used heap before the GC - used heap after it)
//             + (used heap now - used heap at the mark)
// `v8.GCProfiler` reports the used heap size before and after every GC (scavenges, mark-compacts,
// incremental and concurrent ones included). Off-heap memory (Buffer/ArrayBuffer backing stores:
// socket reads, undici bodies) is not in the used heap; its growth over the window is given beside
// it (`externalGrowth`), as are the GCs' count and pause time and the process's CPU time.
//
// With BENCH_ALLOC_SAMPLE=<file.heapprofile> the probe also runs V8's sampling heap profiler over each
// window, keeping the samples of objects the GC has since collected (so it shows where garbage is
// allocated, not only what survives), and writes the last window's profile to that file.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { GCProfiler, getHeapStatistics } from 'node:v8';

const sampleFile = process.env.BENCH_ALLOC_SAMPLE;
let profiler;
let mark;
let windows = 0;
let session;

function startWindow() {
  profiler = new GCProfiler();
  profiler.start();
  const heap = getHeapStatistics();
  const memory = process.memoryUsage();
  mark = {
    usedHeap: heap.used_heap_size,
    external: memory.external,
    cpu: process.cpuUsage(),
    at: process.hrtime.bigint(),
  };
}

function post(method, params) {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

async function startSampling() {
  if (!sampleFile) return;
  if (!session) {
    session = new Session();
    session.connect();
  }
  await post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}

async function stopSampling() {
  if (!sampleFile || !session) return;
  const { profile } = await post('HeapProfiler.stopSampling');
  writeFileSync(sampleFile, JSON.stringify(profile));
}

async function endWindow() {
  const result = profiler.stop();
  const heap = getHeapStatistics();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage(mark.cpu);
  let freed = 0;
  let pauseMs = 0;
  const byType = {};
  for (const gc of result?.statistics ?? []) {
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    pauseMs += gc.cost / 1000;
    byType[gc.gcType] = (byType[gc.gcType] ?? 0) + 1;
  }
  const line = {
    window: windows++,
    allocatedBytes: freed + (heap.used_heap_size - mark.usedHeap),
    freedBytes: freed,
    heapGrowth: heap.used_heap_size - mark.usedHeap,
    externalGrowth: memory.external - mark.external,
    gcs: byType,
    gcPauseMs: Math.round(pauseMs * 1000) / 1000,
    cpuUs: cpu.user + cpu.system,
    wallMs: Number(process.hrtime.bigint() - mark.at) / 1e6,
  };
  await stopSampling();
  process.stderr.write(`bench-alloc ${JSON.stringify(line)}\n`);
}

let busy = Promise.resolve();
process.on('SIGWINCH', () => {
  busy = busy
    .then(async () => {
      await endWindow();
      await startSampling();
      startWindow();
    })
    .catch((error) => process.stderr.write(`bench-alloc-error ${String(error)}\n`));
});

startWindow();
