import {
  createRateLimiter,
  createRedisConnection,
  MemoryCache,
  type PipelineOptions,
  RedisCache,
  type ResponseCache,
} from '@llm-gateway/core';
import type { Logger } from '@llm-gateway/spec';
import { type SurfaceRateLimitSettings, surfaceLimits } from '../profile/rate-limit-section.js';
import { callTimeoutMs } from '../profile/resilience-section.js';
import type { Profile } from '../profile/schema.js';
import { resolveStore } from '../profile/store-field.js';

type Redis = ReturnType<typeof createRedisConnection>;

export type FeatureOptions = Pick<
  PipelineOptions,
  | 'timeoutMs'
  | 'retry'
  | 'breaker'
  | 'cache'
  | 'rateLimiter'
  | 'surfaceRateLimiters'
  | 'concurrency'
  | 'streaming'
  | 'relay'
>;

/** The profile's resilience, cache and limit settings, built into pipeline options. */
export interface PipelineFeatures {
  options: FeatureOptions;
  /** The shared Redis connection, when a feature uses Redis. */
  redis: Redis | undefined;
  /** Where the cache and the rate limiter keep their state (`off` when switched off). */
  stores: { cache: 'memory' | 'redis' | 'off'; rateLimit: 'memory' | 'redis' | 'off' };
  /**
   * Settles once the Redis connection is ready, or after the connect timeout: a request served before
   * that would count its rate limit in this instance's memory alone, unseen by the other instances.
   */
  ready(): Promise<void>;
  /** Closes the Redis connection (the pipeline closes the cache store itself). */
  close(): Promise<void>;
}

export function buildPipelineFeatures(profile: Profile, log: Logger): PipelineFeatures {
  const { resilience, cache, rateLimit, concurrency } = profile;
  const url = profile.redis.url;
  const cacheStore = cache.enabled ? resolveStore(cache.store, url) : 'off';
  const rateLimitStore = rateLimit.enabled ? resolveStore(rateLimit.store, url) : 'off';

  let redis: Redis | undefined;
  if (url && (cacheStore === 'redis' || rateLimitStore === 'redis')) {
    redis = createRedisConnection(url, {
      connectTimeoutMs: profile.redis.connectTimeoutMs,
      commandTimeoutMs: profile.redis.commandTimeoutMs,
    });
    const client = redis;
    let wasReady = false;
    client.on('ready', () => {
      wasReady = true;
      log.info('Redis connected');
    });
    client.on('close', () => {
      if (!wasReady) return;
      wasReady = false;
      log.warn(
        'Redis connection lost; serving without the cache, rate limits per instance, until it is back',
      );
    });
  }

  let store: ResponseCache | undefined;
  if (cacheStore === 'memory') store = new MemoryCache({ maxEntries: cache.maxEntries });
  else if (cacheStore === 'redis' && redis)
    store = new RedisCache({ client: redis, keyPrefix: cache.keyPrefix, log });

  const limiter = (limits: SurfaceRateLimitSettings & { requestsPerMinute: number }, keyPrefix: string) =>
    createRateLimiter({
      store: rateLimitStore === 'redis' ? 'redis' : 'memory',
      ...(redis ? { redis } : {}),
      requestsPerMinute: limits.requestsPerMinute,
      ...(limits.burst === undefined ? {} : { burst: limits.burst }),
      ...(limits.tokensPerDay === undefined ? {} : { tokensPerDay: limits.tokensPerDay }),
      keyPrefix,
      log,
    });
  const surfaceLimited = Object.entries(profile.surfaces).flatMap(([name, surface]) =>
    surface.rateLimit ? [[name, surface.rateLimit] as const] : [],
  );

  const options: FeatureOptions = {
    timeoutMs: callTimeoutMs(resilience),
    retry: resilience.retries,
    breaker: {
      enabled: resilience.circuitBreaker.enabled,
      failureThreshold: resilience.circuitBreaker.failureThreshold,
      resetTimeoutMs: resilience.circuitBreaker.resetTimeoutSeconds * 1000,
    },
    streaming: profile.streaming.enabled,
    relay: profile.server.relay,
    ...(store ? { cache: { store, ttlSeconds: cache.ttlSeconds } } : {}),
    ...(rateLimitStore !== 'off'
      ? {
          rateLimiter: limiter(rateLimit, rateLimit.keyPrefix),
          ...(surfaceLimited.length > 0
            ? {
                surfaceRateLimiters: new Map(
                  surfaceLimited.map(([name, own]) => [
                    name,
                    limiter(surfaceLimits(rateLimit, own), `${rateLimit.keyPrefix}:surface:${name}`),
                  ]),
                ),
              }
            : {}),
        }
      : {}),
    ...(concurrency.maxConcurrent > 0
      ? {
          concurrency: {
            maxConcurrent: concurrency.maxConcurrent,
            maxQueue: concurrency.maxQueue,
            queueTimeoutMs: concurrency.queueTimeoutMs,
          },
        }
      : {}),
  };

  return {
    options,
    redis,
    stores: { cache: cacheStore, rateLimit: rateLimitStore },
    ready: () => (redis ? connected(redis, profile.redis.connectTimeoutMs) : Promise.resolve()),
    async close() {
      if (!redis) return;
      if (redis.status === 'ready') await redis.quit().catch(() => redis?.disconnect());
      else redis.disconnect();
    },
  };
}

/** Resolves when `client` is ready, or after `timeoutMs` (the gateway then serves on the memory fallbacks). */
function connected(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
  });
}
