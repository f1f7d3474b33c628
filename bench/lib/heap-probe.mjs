// Preloaded into the benchmarked gateway (`node --expose-gc --import`): on SIGUSR2 it collects
// garbage and writes one `bench-heap {json}` line to stderr, so the bench can tell retained memory
// (a leak) from heap the collector simply has not given back yet. Nothing runs until it is asked.
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;

process.on('SIGUSR2', () => {
  const before = process.memoryUsage();
  globalThis.gc?.();
  globalThis.gc?.();
  const after = process.memoryUsage();
  const heap = getHeapStatistics();
  const line = {
    rssMiB: mib(before.rss),
    heapUsedBeforeGcMiB: mib(before.heapUsed),
    heapUsedMiB: mib(after.heapUsed),
    heapTotalMiB: mib(after.heapTotal),
    externalMiB: mib(after.external),
    arrayBuffersMiB: mib(after.arrayBuffers),
    rssAfterGcMiB: mib(after.rss),
    nativeContexts: heap.number_of_native_contexts,
    // Committed size of each V8 space (MiB): young-generation growth shows up in new_space.
    spacesMiB: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, mib(s.space_size)])),
  };
  process.stderr.write(`bench-heap ${JSON.stringify(line)}\n`);
});
