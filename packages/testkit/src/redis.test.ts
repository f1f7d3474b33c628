import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedis } from './redis.js';

/** A client that fails at once instead of reconnecting, its errors handled: it sees a server go away. */
function oneShotClient(url: string): Redis {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  return client;
}

describe('startRedis', () => {
  it('starts a real redis-server that ioredis can SET and GET on, then stops it', async () => {
    const redis = await startRedis();
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await client.connect();
      await client.set('testkit:key', 'value');
      expect(await client.get('testkit:key')).toBe('value');
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    } finally {
      client.disconnect();
      await redis.stop();
    }
    const after = new Redis(redis.url, {
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    after.on('error', () => {});
    await expect(after.connect()).rejects.toThrow();
    after.disconnect();
  });

  it('kills and restarts on the same port, empty', async () => {
    const redis = await startRedis();
    const client = oneShotClient(redis.url);
    try {
      await client.connect();
      await client.set('k', '1');
      await redis.kill();
      await expect(client.get('k')).rejects.toThrow();
      await redis.restart();
      const again = new Redis(redis.url, { lazyConnect: true });
      await again.connect();
      expect(await again.get('k')).toBeNull();
      again.disconnect();
    } finally {
      client.disconnect();
      await redis.stop();
    }
  });

  it('persistent: shut down and restarted on the same port, it keeps its data, even after a kill', async () => {
    const redis = await startRedis({ persistent: true });
    const read = async (key: string) => {
      const client = new Redis(redis.url, { lazyConnect: true });
      await client.connect();
      try {
        return await client.get(key);
      } finally {
        client.disconnect();
      }
    };
    const client = oneShotClient(redis.url);
    try {
      await client.connect();
      await client.set('kept', '1');
      await redis.shutdown();
      await redis.restart();
      expect(await read('kept')).toBe('1');
      const again = new Redis(redis.url, { lazyConnect: true });
      await again.connect();
      await again.set('acknowledged', '2');
      again.disconnect();
      await redis.kill();
      await redis.restart();
      expect(await read('acknowledged')).toBe('2');
    } finally {
      client.disconnect();
      await redis.stop();
    }
  });
});
