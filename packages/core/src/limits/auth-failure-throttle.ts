import { type Logger, silentLogger } from '@llm-gateway/spec';
import type { Redis } from 'ioredis';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { storeCounter, warnOnce } from './limiter-store.js';
import { rateLimitedError } from './rate-limit-headers.js';

export interface AuthFailureThrottleOptions {
  /** `redis` shares the counts between gateway instances (default `memory`). */
  store?: 'memory' | 'redis';
  redis?: Redis;
  /** Failed authentications one address may have per window; reaching it blocks the address. */
  limit: number;
  windowSeconds: number;
  /** How long a blocked address is refused. */
  blockSeconds: number;
  /** Key namespace in the store (default `llmgw:authfail`). */
  keyPrefix?: string;
  log?: Logger;
}

/** Failed logins counted per client address, shared by every auth scheme and surface. */
export interface AuthFailureThrottle {
  /** Throws a `rate_limited` GatewayError (429, Retry-After) while `address` is blocked. */
  check(address: string): Promise<void>;
  /** Records one failed authentication from `address`. */
  fail(address: string): Promise<void>;
  /**
   * False when no address can be blocked now, so `check` would pass for every one: the memory store
   * after no failure for a window and a block's length (or none at all). Always true with Redis, whose
   * counts other instances also write. Lets a caller skip the check, and working out what to check.
   */
  mayBlock(): boolean;
}

/**
 * Counts 401s per address in a fixed window; at `limit` the address is blocked for `blockSeconds`.
 * With the redis store a memory counter stands in while Redis is unreachable, as for the rate limits.
 */
export function createAuthFailureThrottle(options: AuthFailureThrottleOptions): AuthFailureThrottle {
  if (options.store === 'redis' && !options.redis)
    throw new TypeError('The redis auth-failure store needs a redis client');
  const log = options.log ?? silentLogger;
  const settings = {
    points: options.limit,
    duration: options.windowSeconds,
    blockDuration: options.blockSeconds,
    keyPrefix: options.keyPrefix ?? 'llmgw:authfail',
  };
  const counter = storeCounter(options.store ?? 'memory', options.redis, settings, {
    // A blocked address is refused from memory without asking Redis on every attempt.
    inMemoryBlockOnConsumed: options.limit,
    inMemoryBlockDuration: options.blockSeconds,
  });
  const storeFailed = warnOnce(log, 'Auth-failure store failed');
  // Concurrent checks of one address share one store read, so its answer is at most a round trip old.
  const reads = new Map<string, Promise<RateLimiterRes | null>>();
  const read = (address: string): Promise<RateLimiterRes | null> => {
    let pending = reads.get(address);
    if (!pending) {
      pending = counter
        .get(address)
        .catch((error: unknown) => {
          storeFailed(error);
          return null;
        })
        .finally(() => {
          if (reads.get(address) === pending) reads.delete(address);
        });
      reads.set(address, pending);
    }
    return pending;
  };

  // Memory store: every count and block this process holds ends at most a window or a block after the
  // failure that made it, so after that long without one nothing can be blocked.
  const local = (options.store ?? 'memory') === 'memory';
  const quietAfterMs = Math.max(options.windowSeconds, options.blockSeconds) * 1000;
  let blockingUntil = Number.NEGATIVE_INFINITY;

  return {
    mayBlock: () => !local || Date.now() < blockingUntil,
    async check(address) {
      const current = await read(address);
      if (current && current.consumedPoints >= options.limit) {
        throw rateLimitedError(
          { limit: options.limit, remaining: 0, resetMs: current.msBeforeNext },
          { message: 'Too many failed authentication attempts; try again later', code: 'auth_throttled' },
        );
      }
    },
    async fail(address) {
      // Before the count: a check that runs while it is stored must not skip it. Slack for clock rounding.
      blockingUntil = Date.now() + quietAfterMs + 1000;
      // consume rejects with the counter's state once over the limit: that is a refusal, not a failure.
      const state = await counter.consume(address).catch((reason: unknown) => {
        if (reason instanceof Error) storeFailed(reason);
        return undefined;
      });
      // The limit-th failure starts the block (blockSeconds), not just the rest of the window.
      if (state && state.consumedPoints >= options.limit) {
        await counter.block(address, options.blockSeconds).catch(storeFailed);
      }
      // Checks from now on read the new count, not a read that started before it.
      reads.delete(address);
    },
  };
}
