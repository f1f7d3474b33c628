import type { Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '@llm-gateway/spec';
import { Counter, type Registry } from 'prom-client';
import type { GatewayServer } from './build-server.js';

/** What one release did: RSS before and after, and how long the collection paused the process. */
export interface MemoryRelease {
  rssBeforeBytes: number;
  rssAfterBytes: number;
  pauseMs: number;
}

export interface IdleReleaseOptions {
  /** Quiet time (nothing in flight, nothing arrived) after traffic before one release; 0 = never. */
  idleMs: number;
  /** The memory-reducing collection (default: memoryReducingGc()). */
  gc?: () => void;
  now?: () => number;
  rss?: () => number;
}

type GcFunction = (options: { type: string; execution: string; flavor: string }) => void;

/**
 * A full GC that also gives V8's freed heap pages back to the OS. V8 only does that from its memory
 * reducer, which an idle process (allocating nothing) never triggers. Needs no --expose-gc: the flag is
 * set just long enough for a new context to get `gc`, so no global appears in the gateway's own context.
 */
export function memoryReducingGc(): () => void {
  const exposed = (globalThis as { gc?: GcFunction }).gc;
  let gc = exposed;
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as GcFunction;
    setFlagsFromString('--no-expose-gc');
  }
  const collect = gc;
  return () => collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/**
 * Counts requests (or tasks) in flight and decides when the process went quiet after traffic; `tick()`
 * runs from one timer, so a request costs two counter updates and nothing else.
 */
export class IdleRelease {
  /** Quiet time before a release (0: never). */
  readonly idleMs: number;
  private inFlight = 0;
  private arrivals = 0;
  private arrivalsSeen = 0;
  private arrivalsAtRelease = 0;
  private quietSince: number;
  private readonly now: () => number;
  private gc: (() => void) | undefined;
  private readonly rss: () => number;

  constructor(options: IdleReleaseOptions) {
    this.idleMs = options.idleMs;
    this.now = options.now ?? Date.now;
    this.gc = options.gc;
    this.rss = options.rss ?? process.memoryUsage.rss;
    this.quietSince = this.now();
  }

  begin(): void {
    this.inFlight++;
    this.arrivals++;
  }

  end(): void {
    this.inFlight--;
  }

  /** Releases once when quiet for idleMs since the last traffic; never twice without traffic in between. */
  tick(): MemoryRelease | undefined {
    const now = this.now();
    if (this.inFlight > 0 || this.arrivals !== this.arrivalsSeen) {
      this.arrivalsSeen = this.arrivals;
      this.quietSince = now;
      return undefined;
    }
    if (this.idleMs <= 0 || this.arrivals === this.arrivalsAtRelease) return undefined;
    if (now - this.quietSince < this.idleMs) return undefined;
    this.arrivalsAtRelease = this.arrivals;
    const rssBeforeBytes = this.rss();
    const started = performance.now();
    // Made on first use: a process that never releases never toggles V8's flags.
    this.gc ??= memoryReducingGc();
    this.gc();
    const pauseMs = performance.now() - started;
    return { rssBeforeBytes, rssAfterBytes: this.rss(), pauseMs };
  }
}

/** Counts the raw server's requests: 'close' fires once per response, finished or aborted. */
export function countRequests(server: Server, release: IdleRelease): void {
  // One listener shared by every response: no closure per request.
  const end = () => release.end();
  server.on('request', (_request, response) => {
    release.begin();
    response.once('close', end);
  });
}

export interface IdleReleaseWatch {
  log: Logger;
  /** Where `gateway_memory_releases_total` is registered (metrics on); none without. */
  registry?: Registry;
  /** How often the quiet time is checked (default min(idleMs, 1 s)). */
  checkEveryMs?: number;
}

const MiB = 1024 * 1024;

/** Checks `release` on one unref'd interval and logs each release; returns the stop function (for close). */
export function watchIdleRelease(release: IdleRelease, watch: IdleReleaseWatch): () => void {
  const { idleMs } = release;
  if (idleMs <= 0) return () => {};
  const releases =
    watch.registry &&
    new Counter({
      name: 'gateway_memory_releases_total',
      help: 'Memory-reducing collections run after the process went idle (server.memory.releaseAfterIdleMs)',
      registers: [watch.registry],
    });
  const timer = setInterval(() => {
    const done = release.tick();
    if (!done) return;
    releases?.inc();
    const mib = (bytes: number) => Math.round(bytes / MiB);
    watch.log.debug(
      {
        rssBeforeMiB: mib(done.rssBeforeBytes),
        rssAfterMiB: mib(done.rssAfterBytes),
        pauseMs: Math.round(done.pauseMs),
      },
      'idle memory release',
    );
  }, watch.checkEveryMs ?? Math.min(idleMs, 1_000));
  timer.unref();
  return () => clearInterval(timer);
}

/** A gateway's release watch: its log, and its metrics registry when the profile turns metrics on. */
export function watchGatewayRelease(
  gateway: Pick<GatewayServer, 'log' | 'metrics' | 'profile'>,
  release: IdleRelease,
): () => void {
  const registry = gateway.profile.metrics.enabled ? gateway.metrics.registry : undefined;
  return watchIdleRelease(release, { log: gateway.log, ...(registry ? { registry } : {}) });
}
