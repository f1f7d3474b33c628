import { startRedis } from '@llm-gateway/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../cache/redis-client.js';
import { createRateLimiter } from './rate-limiter.js';

type RedisServer = Awaited<ReturnType<typeof startRedis>>;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(url: string, clients: Redis[]): Promise<Redis> {
  const client = createRedisConnection(url);
  clients.push(client);
  const deadline = Date.now() + 5000;
  while (client.status !== 'ready') {
    if (Date.now() > deadline) throw new Error('redis did not connect');
    await wait(10);
  }
  return client;
}

describe('rate limiter (redis)', () => {
  let redis: RedisServer;
  const clients: Redis[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await redis?.stop();
  });

  it('shares request counts between two gateway instances', async () => {
    const options = { store: 'redis' as const, requestsPerMinute: 3, keyPrefix: 'test:shared' };
    const a = createRateLimiter({ ...options, redis: await connect(redis.url, clients) });
    const b = createRateLimiter({ ...options, redis: await connect(redis.url, clients) });
    await a.consumeRequest('alice');
    await a.consumeRequest('alice');
    await expect(b.consumeRequest('alice')).resolves.toMatchObject({ remaining: 0 });
    await expect(b.consumeRequest('alice')).rejects.toMatchObject({
      status: 429,
      code: 'rate_limit_exceeded',
    });
    await expect(a.consumeRequest('alice')).rejects.toMatchObject({ status: 429 });
    expect(await a.snapshot('alice')).toEqual({ rate: 3, tokens_available: 0 });
    await expect(a.consumeRequest('bob')).resolves.toMatchObject({ remaining: 2 });
  });

  it('shares the day token budget between instances', async () => {
    const options = {
      store: 'redis' as const,
      requestsPerMinute: 100,
      tokensPerDay: 500,
      keyPrefix: 'test:tokens',
    };
    const a = createRateLimiter({ ...options, redis: await connect(redis.url, clients) });
    const b = createRateLimiter({ ...options, redis: await connect(redis.url, clients) });
    await a.consumeTokens('alice', 400);
    const held = await b.reserveTokens('alice', 100);
    expect(held).toMatchObject({ remaining: 0 });
    // Held on instance b, so instance a sees none left until b settles on the real usage.
    await expect(a.reserveTokens('alice', 1)).rejects.toMatchObject({ status: 429 });
    await b.settleTokens('alice', held!.reserved, 40);
    await expect(a.reserveTokens('alice', 60)).resolves.toMatchObject({ remaining: 0 });
    await expect(b.reserveTokens('alice', 1)).rejects.toMatchObject({
      status: 429,
      code: 'token_limit_exceeded',
    });
  });

  it('keeps answering from memory when Redis dies, still enforcing the limit', async () => {
    const own = await startRedis();
    const client = await connect(own.url, clients);
    const limiter = createRateLimiter({
      store: 'redis',
      redis: client,
      requestsPerMinute: 3,
      tokensPerDay: 100,
      keyPrefix: 'test:insured',
    });
    await limiter.consumeRequest('alice');
    await own.kill();
    await wait(100);

    // The insurance counters start fresh: three requests pass, the fourth is refused.
    for (let i = 0; i < 3; i++)
      await expect(limiter.consumeRequest('alice')).resolves.toMatchObject({ limit: 3 });
    await expect(limiter.consumeRequest('alice')).rejects.toMatchObject({ status: 429 });
    await expect(limiter.reserveTokens('alice', 10)).resolves.toMatchObject({ limit: 100 });
    await expect(limiter.consumeTokens('alice', 10)).resolves.toBeUndefined();
    await expect(limiter.snapshot()).resolves.toMatchObject({ rate: 3 });

    // Once Redis is back, counts live there again (the restarted server is empty).
    await own.restart();
    const deadline = Date.now() + 10_000;
    while (client.status !== 'ready') {
      if (Date.now() > deadline) throw new Error('redis did not reconnect');
      await wait(20);
    }
    await expect(limiter.consumeRequest('alice')).resolves.toMatchObject({ remaining: 2 });
    expect(await client.get('test:insured:rpm60:alice')).toBe('1');
    await own.stop();
  });
});
