import { createRedisConnection } from '@llm-gateway/core';
import { useRedis } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/load-profile.js';
import { buildSharedStore, redisSharedStore } from './shared-store.js';

const redis = useRedis();
let client: ReturnType<typeof createRedisConnection>;

beforeAll(async () => {
  client = createRedisConnection(redis.url);
  await new Promise((resolve) => client.once('ready', resolve));
});
afterAll(async () => {
  await client?.quit();
});

describe('redisSharedStore', () => {
  it('writes, reads and deletes string values on a real Redis', async () => {
    const store = redisSharedStore(client);
    expect(store.kind).toBe('redis');
    await store.set('t:one', '{"a":1}', 60_000);
    expect(await store.get('t:one')).toBe('{"a":1}');
    expect(await store.delete('t:one')).toBe(true);
    expect(await store.delete('t:one')).toBe(false);
    expect(await store.get('t:one')).toBeUndefined();
  });

  it('every key expires after its TTL (PX on the key itself)', async () => {
    const store = redisSharedStore(client);
    await store.set('t:ttl', 'x', 5_000);
    const ttl = await client.pttl('t:ttl');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });
});

/** Commands fail until a new connection is up (no offline queue): retries `run` until it succeeds. */
async function connected<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('buildSharedStore', () => {
  const profile = (url: string) =>
    parseProfile(`redis: { url: "${url}" }\nbackends: {}\nsurfaces: {}\n`, { env: {} });

  it('is absent without redis.url: surfaces keep their state in memory', async () => {
    const built = buildSharedStore(profile(''), undefined);
    expect(built.store).toBeUndefined();
    await built.close();
  });

  it('opens its own connection when the pipeline has none, shared by two stores of one Redis', async () => {
    const a = buildSharedStore(profile(redis.url), undefined);
    const b = buildSharedStore(profile(redis.url), undefined);
    try {
      await connected(() => a.store!.set('t:shared', 'seen', 60_000));
      expect(await connected(() => b.store!.get('t:shared'))).toBe('seen');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
