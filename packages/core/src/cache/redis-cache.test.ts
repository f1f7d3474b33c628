import type { Logger } from '@llm-gateway/spec';
import { startRedis } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cachedEntry } from '../__fixtures__/cached-entry.js';
import { RedisCache } from './redis-cache.js';
import { createRedisConnection } from './redis-client.js';

type RedisServer = Awaited<ReturnType<typeof startRedis>>;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await wait(10);
  }
}

function spyLogger(): Logger & { warn: ReturnType<typeof vi.fn>; info: ReturnType<typeof vi.fn> } {
  const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn(), child: () => logger };
  return logger;
}

describe('RedisCache', () => {
  let redis: RedisServer;
  const caches: RedisCache[] = [];
  const open = async (options: Partial<ConstructorParameters<typeof RedisCache>[0]> = {}) => {
    const cache = new RedisCache({ url: redis.url, keyPrefix: 'test:cache:', ...options });
    caches.push(cache);
    await until(() => cache.connected());
    return cache;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(caches.map((c) => c.close()));
    await redis?.stop();
  });

  it('is shared by two instances on one Redis', async () => {
    const a = await open();
    const b = await open();
    expect(await b.get('shared')).toBeUndefined();
    await a.set('shared', cachedEntry('from a'), 60);
    expect(await b.get('shared')).toEqual(cachedEntry('from a'));
  });

  it('expires entries after their TTL', async () => {
    const cache = await open();
    await cache.set('short', cachedEntry('soon gone'), 1);
    expect(await cache.get('short')).toBeDefined();
    await wait(1200);
    expect(await cache.get('short')).toBeUndefined();
  });

  it('treats an unreadable value as a miss', async () => {
    const client = createRedisConnection(redis.url);
    await until(() => client.status === 'ready');
    await client.set('test:cache:corrupt', '{not json');
    await client.set('test:cache:wrong-shape', JSON.stringify({ text: 1 }));
    const cache = await open();
    expect(await cache.get('corrupt')).toBeUndefined();
    expect(await cache.get('wrong-shape')).toBeUndefined();
    client.disconnect();
  });

  it('leaves a shared client open on close', async () => {
    const client = createRedisConnection(redis.url);
    const cache = new RedisCache({ client, keyPrefix: 'test:cache:' });
    await until(() => cache.connected());
    await cache.close();
    expect(client.status).toBe('ready');
    client.disconnect();
  });

  it('never throws when Redis dies mid-run, and logs the outage once', async () => {
    const own = await startRedis();
    const log = spyLogger();
    const cache = new RedisCache({ url: own.url, log });
    caches.push(cache);
    await until(() => cache.connected());
    await cache.set('k', cachedEntry('before'), 60);
    expect(await cache.get('k')).toEqual(cachedEntry('before'));

    await own.kill();
    await until(() => !cache.connected());
    for (let i = 0; i < 5; i++) {
      await expect(cache.get('k')).resolves.toBeUndefined();
      await expect(cache.set('k', cachedEntry('during'), 60)).resolves.toBeUndefined();
    }
    expect(log.warn).toHaveBeenCalledTimes(1);

    // Back after a restart (empty): writes and reads work again, and the recovery is logged.
    await own.restart();
    await until(() => cache.connected(), 10_000);
    await cache.set('k', cachedEntry('after'), 60);
    expect(await cache.get('k')).toEqual(cachedEntry('after'));
    expect(log.info).toHaveBeenCalledWith('Redis response cache available again');
    await cache.close();
    await own.stop();
  });
});
