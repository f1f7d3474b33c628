import { createRedisConnection } from '@llm-gateway/core';
import type { SharedStore } from '@llm-gateway/spec';
import type { Profile } from '../profile/schema.js';

type Redis = ReturnType<typeof createRedisConnection>;

/** A SharedStore over a Redis connection: string values with a per-key expiry (PX). */
export function redisSharedStore(client: Redis): SharedStore {
  return {
    kind: 'redis',
    async get(key) {
      return (await client.get(key)) ?? undefined;
    },
    async set(key, value, ttlMs) {
      await client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    },
    async delete(key) {
      return (await client.del(key)) > 0;
    },
  };
}

/**
 * The store surfaces share across instances when the profile has `redis.url`: on the pipeline's Redis
 * connection when it opened one, else on a connection of its own (closed by `close`). No URL: none.
 */
export function buildSharedStore(
  profile: Profile,
  pipelineRedis: Redis | undefined,
): { store?: SharedStore; close(): Promise<void> } {
  const url = profile.redis.url;
  if (!url) return { close: async () => {} };
  if (pipelineRedis) return { store: redisSharedStore(pipelineRedis), close: async () => {} };
  const own = createRedisConnection(url, {
    connectTimeoutMs: profile.redis.connectTimeoutMs,
    commandTimeoutMs: profile.redis.commandTimeoutMs,
  });
  return {
    store: redisSharedStore(own),
    async close() {
      if (own.status === 'ready') await own.quit().catch(() => own.disconnect());
      else own.disconnect();
    },
  };
}
