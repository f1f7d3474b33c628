import { createRedisConnection } from '@llm-gateway/core';
import { type RedisInstance, startRedis } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAuthPlugin, testBackendPlugin, testSurfacePlugin } from '../__fixtures__/test-plugins.js';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';
import { cachedCheck } from './probes.js';
import { readinessChecks } from './readiness-checks.js';

let redis: RedisInstance;
const servers: GatewayServer[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await redis?.stop();
});

const backendOnly = `
logging: { level: error }
backends:
  alpha: { plugin: backend-test, config: { models: [alpha-model] } }
routing: { defaultModel: alpha-model, models: { alpha-model: alpha } }
`;

async function build(yaml: string): Promise<GatewayServer> {
  const server = await buildServer(parseProfile(yaml, { source: 'test.yaml', env: {} }), {
    logStream: { write: () => {} },
    plugins: {
      'backend-test': testBackendPlugin().plugin,
      'auth-test': testAuthPlugin().plugin,
      'surface-test': testSurfacePlugin,
    },
  });
  servers.push(server);
  return server;
}

async function probe(server: GatewayServer, path: '/livez' | '/readyz') {
  const response = await server.app.inject({ method: 'GET', url: path });
  return { status: response.statusCode, body: response.json() as { status: string; reasons?: string[] } };
}

/** PINGs Redis has answered since it started (INFO commandstats). */
async function pings(url: string): Promise<number> {
  const client = createRedisConnection(url, { connectTimeoutMs: 2000, commandTimeoutMs: 2000 });
  try {
    await new Promise((resolve) => client.once('ready', resolve));
    const info = await client.info('commandstats');
    return Number(/cmdstat_ping:calls=(\d+)/.exec(info)?.[1] ?? 0);
  } finally {
    client.disconnect();
  }
}

describe('cachedCheck', () => {
  it('answers a burst of callers from one check, and checks again once the answer is older than the TTL', async () => {
    let calls = 0;
    const check = cachedCheck(async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return true;
    }, 50);
    expect(await Promise.all(Array.from({ length: 100 }, check))).toEqual(Array(100).fill(true));
    expect(calls).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await check();
    expect(calls).toBe(2);
  });

  it('a check that throws counts as failed, not as a 500', async () => {
    const check = cachedCheck(() => Promise.reject(new Error('boom')), 1000);
    expect(await check()).toBe(false);
  });
});

describe('/livez and /readyz', () => {
  it('without stores: ready; after drain(): 503 naming draining, while /livez stays 200', async () => {
    const server = await build(backendOnly);
    expect(await probe(server, '/readyz')).toEqual({ status: 200, body: { status: 'ready', reasons: [] } });
    server.drain();
    expect(await probe(server, '/readyz')).toEqual({
      status: 503,
      body: { status: 'not_ready', reasons: ['draining'] },
    });
    expect(await probe(server, '/livez')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('with the cache on Redis: a probe storm costs at most a PING a second; Redis gone makes it 503 (redis_unreachable), never /livez', async () => {
    const server = await build(
      `${backendOnly}redis: { url: '${redis.url}', commandTimeoutMs: 300 }\ncache: { enabled: true, store: redis }\n`,
    );
    expect((await probe(server, '/readyz')).status).toBe(200);
    const before = await pings(redis.url);
    const storm = await Promise.all(Array.from({ length: 200 }, () => probe(server, '/readyz')));
    expect(storm.every((answer) => answer.status === 200)).toBe(true);
    // The first probe above warmed the 1 s cache; the storm may straddle one expiry, no more.
    expect((await pings(redis.url)) - before).toBeLessThanOrEqual(1);

    await redis.kill();
    try {
      let answer = await probe(server, '/readyz');
      const deadline = Date.now() + 10_000;
      while (answer.status === 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await probe(server, '/readyz');
      }
      expect(answer).toEqual({ status: 503, body: { status: 'not_ready', reasons: ['redis_unreachable'] } });
      expect((await probe(server, '/livez')).status).toBe(200);
      // The seeds' /health is unchanged: Redis down still serves (uncached), so it stays 200.
      expect((await server.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      server.drain();
      expect((await probe(server, '/readyz')).body.reasons).toEqual(['draining', 'redis_unreachable']);
    } finally {
      await redis.restart();
    }
  }, 30_000);
});

describe('readinessChecks', () => {
  const noRedis = { redis: undefined } as Parameters<typeof readinessChecks>[0];
  it('checks the queue store only when the queue reports one', async () => {
    const queue = (connected: boolean | undefined) =>
      ({
        name: 'q',
        stats: async () => ({ queued: 0, processing: 0, completed: 0, failed: 0, connected }),
      }) as never;
    expect(readinessChecks(noRedis, undefined)).toEqual([]);
    const [down] = readinessChecks(noRedis, queue(false));
    expect(down?.reason).toBe('queue_store_unreachable');
    expect(await down?.check()).toBe(false);
    expect(await readinessChecks(noRedis, queue(true))[0]?.check()).toBe(true);
    expect(await readinessChecks(noRedis, queue(undefined))[0]?.check()).toBe(true);
  });
});
