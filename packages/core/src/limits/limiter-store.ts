import type { Logger } from '@llm-gateway/spec';
import type { Redis } from 'ioredis';
import {
  type IRateLimiterOptions,
  type IRateLimiterRedisOptions,
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
} from 'rate-limiter-flexible';

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A rate-limiter-flexible counter in memory, or in Redis with a memory counter standing in while Redis
 * is unreachable (requests are then limited per instance instead of failing).
 */
export function storeCounter(
  store: 'memory' | 'redis',
  redis: Redis | undefined,
  settings: IRateLimiterOptions,
  redisSettings: Partial<IRateLimiterRedisOptions> = {},
): RateLimiterAbstract {
  // The memory store expires keys with setTimeout, which fires at once past 2^31-1 ms (~24.8 days): a monthly
  // counter would reset a millisecond after its first point. Longer windows never expire in memory; their keys
  // name their period (budgets), so a new period starts from a new key.
  const durationMs = (settings.duration ?? 1) * 1000;
  const memory = new RateLimiterMemory(durationMs > MAX_TIMER_MS ? { ...settings, duration: 0 } : settings);
  if (store === 'memory') return memory;
  return new RateLimiterRedis({
    ...settings,
    ...redisSettings,
    storeClient: redis,
    // Go to the insurance at once while disconnected instead of waiting on a dead socket.
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
  });
}

/** A failure handler that warns about the first store failure only (the insurance keeps serving). */
export function warnOnce(log: Logger, message: string): (error: unknown) => void {
  let warned = false;
  return (error) => {
    if (warned) return;
    warned = true;
    log.warn({ err: error instanceof Error ? error.message : String(error) }, message);
  };
}
