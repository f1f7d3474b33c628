import { isGatewayError } from '@llm-gateway/spec';
import { startRedis } from '@llm-gateway/testkit';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createRedisConnection } from '../cache/redis-client.js';
import { createAuthFailureThrottle } from './auth-failure-throttle.js';

async function refusal(promise: Promise<void>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isGatewayError(error)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

describe('auth-failure throttle', () => {
  it('blocks an address past its failed logins with a 429 and Retry-After, other addresses untouched', async () => {
    const throttle = createAuthFailureThrottle({ limit: 3, windowSeconds: 60, blockSeconds: 120 });
    for (let i = 0; i < 2; i++) {
      await throttle.check('10.0.0.1');
      await throttle.fail('10.0.0.1');
    }
    await expect(throttle.check('10.0.0.1')).resolves.toBeUndefined();
    await throttle.fail('10.0.0.1');
    const error = await refusal(throttle.check('10.0.0.1'));
    expect(error.status).toBe(429);
    expect(error.code).toBe('auth_throttled');
    expect(Number(error.headers['Retry-After'])).toBeGreaterThan(60);
    await expect(throttle.check('10.0.0.2')).resolves.toBeUndefined();
  });

  it('memory store: may block only until a window and a block have passed since the last failure', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const throttle = createAuthFailureThrottle({ limit: 1, windowSeconds: 60, blockSeconds: 120 });
      // No failure yet: every check would pass, so the server skips it.
      expect(throttle.mayBlock()).toBe(false);
      await throttle.fail('10.0.0.3');
      expect(throttle.mayBlock()).toBe(true);
      expect((await refusal(throttle.check('10.0.0.3'))).status).toBe(429);
      vi.advanceTimersByTime(120_000);
      expect(throttle.mayBlock()).toBe(true);
      vi.advanceTimersByTime(1_001);
      expect(throttle.mayBlock()).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  describe('redis store', () => {
    const clients: Redis[] = [];
    let stop: (() => Promise<void>) | undefined;
    afterAll(async () => {
      for (const client of clients) client.disconnect();
      await stop?.();
    });

    let url: string | undefined;
    const connect = async () => {
      if (!url) {
        const redis = await startRedis();
        stop = () => redis.stop();
        url = redis.url;
      }
      const client = createRedisConnection(url);
      clients.push(client);
      return new Promise<Redis>((resolve) => client.once('ready', () => resolve(client)));
    };

    it('shares the count between gateway instances', async () => {
      const options = { store: 'redis' as const, limit: 2, windowSeconds: 60, blockSeconds: 60 };
      const a = createAuthFailureThrottle({ ...options, redis: await connect() });
      const b = createAuthFailureThrottle({ ...options, redis: await connect() });
      // Another instance may have counted failures: the check always runs.
      expect(b.mayBlock()).toBe(true);
      await a.fail('10.0.0.9');
      await expect(b.check('10.0.0.9')).resolves.toBeUndefined();
      await b.fail('10.0.0.9');
      expect((await refusal(b.check('10.0.0.9'))).status).toBe(429);
    });

    it('concurrent checks of one address share one Redis read; a check after a failure reads again', async () => {
      const client = await connect();
      const throttle = createAuthFailureThrottle({
        store: 'redis',
        redis: client,
        limit: 1,
        windowSeconds: 60,
        blockSeconds: 60,
      });
      const reads = vi.spyOn(client, 'multi');
      const checks = Array.from({ length: 10 }, () => throttle.check('10.0.0.7'));
      await Promise.all([...checks, throttle.check('10.0.0.8')]);
      expect(reads).toHaveBeenCalledTimes(2);
      const during = throttle.check('10.0.0.7');
      await throttle.fail('10.0.0.7');
      await expect(during).resolves.toBeUndefined();
      expect((await refusal(throttle.check('10.0.0.7'))).status).toBe(429);
    });
  });
});
