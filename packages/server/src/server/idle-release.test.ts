import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { silentLogger } from '@llm-gateway/spec';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countRequests, IdleRelease, watchIdleRelease } from './idle-release.js';

const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/server/idle-release.js');

/** A release over a hand-moved clock and a counting gc. */
function releaseAt(idleMs: number) {
  const clock = { now: 0 };
  const gc = vi.fn();
  const release = new IdleRelease({ idleMs, gc, now: () => clock.now, rss: () => 100 });
  const tickAt = (now: number) => {
    clock.now = now;
    return release.tick();
  };
  return { release, gc, tickAt };
}

describe('IdleRelease', () => {
  it('releases exactly once after idleMs without requests, and again only after new traffic', () => {
    const { release, gc, tickAt } = releaseAt(10_000);
    release.begin();
    release.end();
    expect(tickAt(1_000)).toBeUndefined();
    expect(tickAt(10_999)).toBeUndefined();
    expect(tickAt(11_000)).toMatchObject({ rssBeforeBytes: 100, rssAfterBytes: 100 });
    expect(gc).toHaveBeenCalledTimes(1);
    for (const now of [12_000, 30_000, 100_000]) expect(tickAt(now)).toBeUndefined();
    expect(gc).toHaveBeenCalledTimes(1);

    release.begin();
    release.end();
    expect(tickAt(101_000)).toBeUndefined();
    expect(tickAt(111_000)).toBeDefined();
    expect(gc).toHaveBeenCalledTimes(2);
  });

  it('never releases while a request is in flight, however long it runs', () => {
    const { release, gc, tickAt } = releaseAt(10_000);
    release.begin();
    release.begin();
    release.end();
    for (let now = 0; now <= 120_000; now += 1_000) expect(tickAt(now)).toBeUndefined();
    release.end();
    // The quiet time counts from the last tick that saw it busy.
    expect(tickAt(129_000)).toBeUndefined();
    expect(tickAt(130_000)).toBeDefined();
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('never releases a process that had no traffic', () => {
    const { gc, tickAt } = releaseAt(10_000);
    for (let now = 0; now <= 120_000; now += 1_000) expect(tickAt(now)).toBeUndefined();
    expect(gc).not.toHaveBeenCalled();
  });

  it('never releases with idleMs 0, and then starts no timer', () => {
    const { release, gc, tickAt } = releaseAt(0);
    release.begin();
    release.end();
    for (const now of [0, 1_000, 1_000_000]) expect(tickAt(now)).toBeUndefined();
    expect(gc).not.toHaveBeenCalled();
    const setInterval = vi.spyOn(globalThis, 'setInterval');
    try {
      watchIdleRelease(release, { log: silentLogger })();
      expect(setInterval).not.toHaveBeenCalled();
    } finally {
      setInterval.mockRestore();
    }
  });
});

describe('countRequests and watchIdleRelease', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('count a raw server request until its response closes, then release once and count it', async () => {
    const gc = vi.fn();
    const release = new IdleRelease({ idleMs: 50, gc });
    let answer: (() => void) | undefined;
    server = createServer((_request, response) => {
      answer = () => response.end('ok');
    });
    countRequests(server, release);
    const registry = new Registry();
    const debug = vi.fn();
    const stop = watchIdleRelease(release, {
      log: { ...silentLogger, debug },
      registry,
      checkEveryMs: 10,
    });
    try {
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      const reply = fetch(`http://127.0.0.1:${port}/`);
      await vi.waitFor(() => expect(answer).toBeDefined());
      // In flight for well over idleMs: no release.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(gc).not.toHaveBeenCalled();
      answer?.();
      expect(await (await reply).text()).toBe('ok');
      await vi.waitFor(() => expect(gc).toHaveBeenCalledTimes(1), { timeout: 5_000 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(gc).toHaveBeenCalledTimes(1);
      expect(debug).toHaveBeenCalledWith(
        expect.objectContaining({ rssBeforeMiB: expect.any(Number), pauseMs: expect.any(Number) }),
        'idle memory release',
      );
      expect(await registry.metrics()).toMatch(/^gateway_memory_releases_total 1$/m);
    } finally {
      stop();
    }
  });
});

describe('the real memory-reducing GC', () => {
  it('gives back most of what ~150 MiB of dropped objects left committed (no --expose-gc)', async () => {
    const script = `import { IdleRelease } from ${JSON.stringify(pathToFileURL(built).href)};
const rss = () => process.memoryUsage.rss();
const before = rss();
let keep = [];
for (let i = 0; i < 60; i++) {
  const chunk = [];
  for (let j = 0; j < 20_000; j++) chunk.push({ i, j, pair: [i, j] });
  keep.push(chunk);
}
keep = null;
// Churn: V8's own collections free the objects, but their pages stay committed.
for (let k = 0; k < 200; k++) { const t = []; for (let j = 0; j < 10_000; j++) t.push({ j }); }
const peak = rss();
let now = 0;
const release = new IdleRelease({ idleMs: 1, now: () => now });
release.begin();
release.end();
release.tick();
now = 10;
const done = release.tick();
process.stdout.write(JSON.stringify({ before, peak, after: rss(), released: done !== undefined, hasGc: typeof globalThis.gc }));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const { before, peak, after, released, hasGc } = JSON.parse(out);
    expect(released).toBe(true);
    // The helper exposes no global gc to the process.
    expect(hasGc).toBe('undefined');
    const added = peak - before;
    expect(added).toBeGreaterThan(100 * 1024 * 1024);
    expect(peak - after).toBeGreaterThanOrEqual(added / 2);
  }, 30_000);
});
