import { freePort, type RedisInstance, startRedis } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAuthPlugin, testBackendPlugin, testSurfacePlugin } from '../__fixtures__/test-plugins.js';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';

let redis: RedisInstance;
let gateway: GatewayServer | undefined;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  redis?.resume();
  await gateway?.close();
  await redis?.stop();
});

const profile = (url: string) => `
logging: { level: error }
redis: { url: '${url}', commandTimeoutMs: 300 }
cache: { store: redis }
backends:
  alpha: { plugin: backend-test, config: { models: [alpha-model] } }
routing: { defaultModel: alpha-model, models: { alpha-model: alpha } }
`;

async function redisConnected(): Promise<unknown> {
  const response = await gateway!.app.inject({ method: 'GET', url: '/health' });
  return response.json().redis_connected;
}

async function until(expected: boolean): Promise<unknown> {
  const deadline = Date.now() + 5000;
  let seen = await redisConnected();
  while (seen !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = await redisConnected();
  }
  return seen;
}

const build = (url: string) =>
  buildServer(parseProfile(profile(url), { source: 'test.yaml', env: {} }), {
    logStream: { write: () => {} },
    plugins: {
      'backend-test': testBackendPlugin().plugin,
      'auth-test': testAuthPlugin().plugin,
      'surface-test': testSurfacePlugin,
    },
  });

describe('Redis at start', () => {
  it('served its first requests before Redis was ready (rate limits counted per instance): build waits for it', async () => {
    gateway = await build(redis.url);
    expect(await redisConnected()).toBe(true);
    await gateway.close();
    gateway = undefined;
  });

  it('does not wait past the connect timeout for a Redis that is not there', async () => {
    const closedPort = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    gateway = await build(closedPort);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await redisConnected()).toBe(false);
    await gateway.close();
    gateway = undefined;
  });
});

describe('/health and a frozen Redis', () => {
  it('said redis_connected: true while Redis was frozen (SIGSTOP): it now pings with a short timeout', async () => {
    gateway = await build(redis.url);
    expect(await until(true)).toBe(true);
    redis.pause();
    try {
      // One check, answered within the ping timeout, already tells.
      expect(await redisConnected()).toBe(false);
      const health = await gateway.app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      const metrics = await gateway.app.inject({ method: 'GET', url: '/metrics?format=json' });
      expect(metrics.json().redis_connected).toBe(false);
    } finally {
      redis.resume();
    }
    expect(await until(true)).toBe(true);
  });
});
