import type { Logger } from '@llm-gateway/spec';
import type { Redis } from 'ioredis';
import {
  type IRateLimiterOptions,
  type IRateLimiterRedisOptions,
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
} from 'rate-limiter-flexible';

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
  const memory = new RateLimiterMemory(settings);
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
