import { GatewayError } from '@llm-gateway/spec';

/** Runs at most `max` tasks at once and refuses the rest at once (429 + Retry-After), never queueing them. */
export function createQueryGate(max: number, retryAfterMs: number) {
  let running = 0;
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= max) {
      throw new GatewayError(
        'rate_limited',
        `Too many usage queries over raw records at once (at most ${max}); retry later, or query whole hours by at most one key (answered from the rollups)`,
        {
          code: 'usage_queries_busy',
          retryAfterMs,
          headers: { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) },
        },
      );
    }
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
    }
  };
}
