import { GatewayError } from '@llm-gateway/spec';
import { cancelledError } from '../resilience/sleep.js';

export interface ConcurrencyLimiterOptions {
  /** Calls running at once (MAX_CONCURRENCY). */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot (default 0: refuse at once when full). */
  maxQueue?: number;
  /** Longest wait for a slot before giving up (default 5 s). */
  queueTimeoutMs?: number;
  /** Called whenever the running or queued count changes (metrics). */
  onChange?: (inFlight: number, queued: number) => void;
}

export interface ConcurrencyLimiter {
  /** Runs `fn` when a slot is free; throws a 503 `concurrency_limit` GatewayError when none frees up in time. */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /**
   * Waits for a slot like `run` and returns its release function, for work that outlives one
   * promise (a stream holds its slot until the last part). Releasing twice is harmless.
   */
  acquire(signal?: AbortSignal): Promise<() => void>;
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  inFlight(): number;
  queued(): number;
}

export function capacityError(): GatewayError {
  return new GatewayError('unavailable', 'Server is at capacity, try again shortly', {
    code: 'concurrency_limit',
    retryAfterMs: 1000,
    headers: { 'Retry-After': '1' },
  });
}

interface Waiter {
  /** Hands the waiter a slot that the finishing call passes on (inFlight stays the same). */
  grant(): void;
}

/** A global cap on concurrent calls with a bounded FIFO queue whose waiters give up after a timeout. */
export function createConcurrencyLimiter(options: ConcurrencyLimiterOptions): ConcurrencyLimiter {
  const maxConcurrent = Math.max(1, options.maxConcurrent);
  const maxQueue = Math.max(0, options.maxQueue ?? 0);
  const queueTimeoutMs = options.queueTimeoutMs ?? 5000;
  let running = 0;
  const queue: Waiter[] = [];
  const changed = () => options.onChange?.(running, queue.length);

  function release(): void {
    const next = queue.shift();
    if (next) next.grant();
    else running--;
    changed();
  }

  function acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelledError(signal));
    if (running < maxConcurrent) {
      running++;
      changed();
      return Promise.resolve();
    }
    if (queue.length >= maxQueue) return Promise.reject(capacityError());
    return new Promise((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        changed();
      };
      const onAbort = () => {
        leave();
        reject(cancelledError(signal));
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          resolve();
        },
      };
      const timer = setTimeout(() => {
        leave();
        reject(capacityError());
      }, queueTimeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      changed();
    });
  }

  return {
    maxConcurrent,
    maxQueue,
    async run(fn, signal) {
      await acquire(signal);
      try {
        return await fn();
      } finally {
        release();
      }
    },
    async acquire(signal) {
      await acquire(signal);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    },
    inFlight: () => running,
    queued: () => queue.length,
  };
}
