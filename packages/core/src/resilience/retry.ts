import { isGatewayError } from '@llm-gateway/spec';
import { cancelledError, sleep } from './sleep.js';

export interface RetryOptions {
  /** Total tries, the first one included (default 3). */
  attempts?: number;
  /** Backoff ceiling for the first retry; doubles on each further retry (default 200 ms). */
  baseDelayMs?: number;
  /** Cap on the exponential backoff (default 10 s). */
  maxDelayMs?: number;
  /**
   * Longest upstream `Retry-After` the gateway waits out itself (default `maxDelayMs`). A longer one
   * ends the retries at once so the client gets the error with its Retry-After.
   */
  maxRetryAfterMs?: number;
  /** Aborts the wait between tries and stops further tries. */
  signal?: AbortSignal;
  /** Which failures are worth another try (default {@link isRetryableError}). */
  shouldRetry?: (error: unknown) => boolean;
  /** Called before each wait; `attempt` is the 1-based try that just failed. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Random source in [0, 1) for the jitter; injectable for tests. */
  random?: () => number;
}

export interface RetryResult<T> {
  value: T;
  /** Tries beyond the first one. */
  retries: number;
}

const retryCounts = new WeakMap<object, number>();

/** How many retries preceded the error `withRetry` finally threw (0 when it was not retried). */
export function retriesOf(error: unknown): number {
  return typeof error === 'object' && error !== null ? (retryCounts.get(error) ?? 0) : 0;
}

/**
 * Retryable GatewayErrors (network, timeout, 408, 429, 5xx), except an open circuit: waiting on the
 * same breaker is pointless, the fallback chain moves on instead.
 */
export function isRetryableError(error: unknown): boolean {
  return isGatewayError(error) && error.isRetryable && error.code !== 'circuit_open';
}

/** Full jitter: a uniform delay between 0 and the capped exponential ceiling. */
export function backoffDelay(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

function annotate(error: unknown, retries: number): unknown {
  if (typeof error === 'object' && error !== null) retryCounts.set(error, retries);
  return error;
}

/** Runs `fn` until it succeeds, fails for good, runs out of attempts or the signal fires. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<RetryResult<T>> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? maxDelayMs;
  const shouldRetry = options.shouldRetry ?? isRetryableError;
  const { signal } = options;

  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw annotate(cancelledError(signal), attempt - 1);
    try {
      return { value: await fn(attempt), retries: attempt - 1 };
    } catch (error) {
      if (attempt >= attempts || signal?.aborted || !shouldRetry(error)) throw annotate(error, attempt - 1);
      const retryAfterMs = isGatewayError(error) ? error.retryAfterMs : undefined;
      if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) throw annotate(error, attempt - 1);
      const delayMs = Math.max(
        backoffDelay(attempt, baseDelayMs, maxDelayMs, options.random),
        retryAfterMs ?? 0,
      );
      options.onRetry?.(error, attempt, delayMs);
      try {
        await sleep(delayMs, signal);
      } catch (cancelled) {
        throw annotate(cancelled, attempt - 1);
      }
    }
  }
}
