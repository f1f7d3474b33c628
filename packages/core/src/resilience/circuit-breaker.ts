import { GatewayError, isGatewayError } from '@llm-gateway/spec';
import CircuitBreaker from 'opossum';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSnapshot {
  state: BreakerState;
  /** Consecutive counted failures (stays at the threshold while open). */
  failure_count: number;
  failure_threshold: number;
}

export interface BreakerRegistryOptions {
  /** When false, `run` calls straight through and nothing is tracked (default true). */
  enabled?: boolean;
  /** Consecutive counted failures that open a backend's breaker (default 5). */
  failureThreshold?: number;
  /** How long a breaker stays open before letting one trial call through (default 60 s). */
  resetTimeoutMs?: number;
  /** Which errors count against a backend (default {@link isBackendFailure}). */
  isFailure?: (error: unknown) => boolean;
  /** Called on every state change, e.g. for a log line or a metric. */
  onStateChange?: (backend: string, state: BreakerState) => void;
}

export interface BreakerRegistry {
  readonly enabled: boolean;
  /** Runs `fn` under `backend`'s breaker; throws a `circuit_open` GatewayError without calling it while open. */
  run<T>(backend: string, fn: () => Promise<T>): Promise<T>;
  state(backend: string): BreakerState;
  /** Every backend seen so far. */
  snapshot(): Record<string, BreakerSnapshot>;
  close(): void;
}

/**
 * Failures that say the backend is unwell: retryable errors and upstream errors. Client mistakes
 * (400, 404, 413), cancellations and the gateway's own bugs (an untyped throw, an `internal` error)
 * say nothing about the backend and do not count: one tenant's bad input must not open it for all.
 */
export function isBackendFailure(error: unknown): boolean {
  if (!isGatewayError(error) || error.type === 'internal') return false;
  return error.isRetryable || error.type === 'upstream_error' || error.type === 'upstream_timeout';
}

/** What a caller of an open breaker gets: retryable, so a fallback chain moves on to the next target. */
export function circuitOpenError(backend: string, retryAfterMs?: number): GatewayError {
  const seconds = retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new GatewayError('unavailable', `${backend} is temporarily unavailable (circuit open)`, {
    code: 'circuit_open',
    isRetryable: true,
    backend,
    ...(seconds === undefined
      ? {}
      : { retryAfterMs: seconds * 1000, headers: { 'Retry-After': String(seconds) } }),
  });
}

type AnyFn = () => Promise<unknown>;

interface Entry {
  breaker: CircuitBreaker<[AnyFn], unknown>;
  failures: number;
  openedAt: number;
}

/**
 * One opossum breaker per backend. opossum opens on an error *percentage* over a rolling window;
 * the gateway wants "N consecutive failures", so opossum's own threshold is switched off
 * (errorThresholdPercentage 100 can never be exceeded) and the registry counts consecutive
 * failures itself (while closed, calls skip opossum entirely) and calls `open()` itself. opossum
 * does the rest: fail fast while open, one trial call when half-open, re-open on a failed trial,
 * close on success. `errorFilter` turns non-counted errors into successes (they reset the count:
 * the backend answered).
 */
export function createBreakerRegistry(options: BreakerRegistryOptions = {}): BreakerRegistry {
  const enabled = options.enabled !== false;
  const failureThreshold = Math.max(1, options.failureThreshold ?? 5);
  const resetTimeoutMs = options.resetTimeoutMs ?? 60_000;
  const isFailure = options.isFailure ?? isBackendFailure;
  const entries = new Map<string, Entry>();

  const stateOf = (breaker: CircuitBreaker<[AnyFn], unknown>): BreakerState =>
    breaker.halfOpen ? 'half_open' : breaker.opened ? 'open' : 'closed';

  function entryFor(backend: string): Entry {
    const existing = entries.get(backend);
    if (existing) return existing;
    const breaker = new CircuitBreaker<[AnyFn], unknown>((fn: AnyFn) => fn(), {
      name: backend,
      // The pipeline owns per-call timeouts and aborts; a second timer here would leak calls.
      timeout: false,
      resetTimeout: resetTimeoutMs,
      errorThresholdPercentage: 100,
      volumeThreshold: Number.MAX_SAFE_INTEGER,
      errorFilter: (error: unknown) => !isFailure(error),
      // Rolling stats and percentiles are unused; keep the per-breaker bookkeeping small.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    const entry: Entry = { breaker, failures: 0, openedAt: 0 };
    breaker.on('failure', () => {
      entry.failures = Math.min(entry.failures + 1, failureThreshold);
      if (entry.failures >= failureThreshold && breaker.closed) breaker.open();
    });
    breaker.on('success', () => {
      if (breaker.closed) entry.failures = 0;
    });
    breaker.on('open', () => {
      entry.openedAt = Date.now();
      options.onStateChange?.(backend, 'open');
    });
    breaker.on('halfOpen', () => options.onStateChange?.(backend, 'half_open'));
    breaker.on('close', () => {
      entry.failures = 0;
      options.onStateChange?.(backend, 'closed');
    });
    entries.set(backend, entry);
    return entry;
  }

  return {
    enabled,
    async run<T>(backend: string, fn: () => Promise<T>): Promise<T> {
      if (!enabled) return fn();
      const entry = entryFor(backend);
      const { breaker } = entry;
      if (breaker.closed) {
        // Closed, opossum would only pass the call through and report its outcome: done here, without
        // its promise and event machinery on every call. Open and half-open go through opossum below.
        try {
          const value = await fn();
          if (breaker.closed) entry.failures = 0;
          return value;
        } catch (error) {
          if (!isFailure(error)) {
            if (breaker.closed) entry.failures = 0;
          } else {
            entry.failures = Math.min(entry.failures + 1, failureThreshold);
            if (entry.failures >= failureThreshold && breaker.closed) breaker.open();
          }
          throw error;
        }
      }
      try {
        return (await entry.breaker.fire(fn)) as T;
      } catch (error) {
        // opossum's own rejection when open (or while a half-open trial is in flight).
        if (error instanceof Error && (error as { code?: string }).code === 'EOPENBREAKER') {
          const remaining = entry.breaker.halfOpen ? 0 : entry.openedAt + resetTimeoutMs - Date.now();
          throw circuitOpenError(backend, Math.max(0, remaining));
        }
        throw error;
      }
    },
    state(backend) {
      const entry = entries.get(backend);
      return entry ? stateOf(entry.breaker) : 'closed';
    },
    snapshot() {
      const out: Record<string, BreakerSnapshot> = {};
      for (const [backend, entry] of entries) {
        out[backend] = {
          state: stateOf(entry.breaker),
          failure_count: entry.failures,
          failure_threshold: failureThreshold,
        };
      }
      return out;
    },
    close() {
      for (const entry of entries.values()) entry.breaker.shutdown();
      entries.clear();
    },
  };
}
