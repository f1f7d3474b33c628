import { createRedisConnection } from '@llm-gateway/core';
import { createKeyStore, type ManagedKeyStore, memoryKeyRecords, redisKeyRecords } from '../keys/index.js';
import type { Profile } from '../profile/index.js';

type Redis = ReturnType<typeof createRedisConnection>;

/**
 * Managed keys when the admin API is on (admin keys set): in Redis when the profile has `redis.url` (the
 * pipeline's connection, else one of their own), shared by every instance; in this process otherwise.
 */
export function buildKeyStore(
  profile: Profile,
  pipelineRedis: Redis | undefined,
): { store?: ManagedKeyStore; close(): Promise<void> } {
  if (profile.admin.keys.length === 0) return { close: async () => {} };
  const url = profile.redis.url;
  const own =
    url && !pipelineRedis
      ? createRedisConnection(url, {
          connectTimeoutMs: profile.redis.connectTimeoutMs,
          commandTimeoutMs: profile.redis.commandTimeoutMs,
        })
      : undefined;
  const redis = pipelineRedis ?? own;
  const records = redis ? redisKeyRecords(redis, `llmgw:${profile.service.name}:keys`) : memoryKeyRecords();
  return {
    store: createKeyStore({ records }),
    async close() {
      await own?.quit().catch(() => own.disconnect());
    },
  };
}
