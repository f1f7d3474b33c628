// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profiles spell ${VAR} literally
import { once } from 'node:events';
import jwtPlugin from '@llm-gateway/auth-jwt';
import { createRedisConnection } from '@llm-gateway/core';
import { isDisabled, silentLogger } from '@llm-gateway/spec';
import { type RedisInstance, type Simulator, startOpenAISimulator, startRedis } from '@llm-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';

let sim: Simulator;
let redis: RedisInstance;
const servers: GatewayServer[] = [];
const JWT_SECRET = 'a-test-secret-of-32-characters!!';

beforeAll(async () => {
  [sim, redis] = await Promise.all([startOpenAISimulator({ apiKey: 'sk-upstream' }), startRedis()]);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(async () => {
  await sim?.close();
  await redis?.stop();
});

async function gateway(keyPrefix: string): Promise<GatewayServer> {
  const profile = parseProfile(
    `
logging: { level: silent }
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-upstream, baseURL: "\${SIM_URL}/v1" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: [{ id: key-abcdef12, key: sk-gateway-key-1 }] } }
  jwt: { plugin: auth-jwt, config: { secret: ${JWT_SECRET}, header: x-api-token } }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: openai } }
# Generous timeouts: on a loaded test machine a slow command would fall back to per-instance counts.
redis: { url: "\${REDIS_URL}", connectTimeoutMs: 5000, commandTimeoutMs: 5000 }
rateLimit: { store: redis, requestsPerMinute: 5, keyPrefix: ${keyPrefix} }
surfaces:
  strict:
    plugin: surface-openai
    auth: [keys, jwt]
    rateLimit: { requestsPerMinute: "\${STRICT_RPM:-2}" }
  loose: { plugin: surface-openai, auth: [keys, jwt], prefix: /loose }
`,
    { source: 'surface-limits.yaml', env: { SIM_URL: sim.url, REDIS_URL: redis.url } },
  );
  const server = await buildServer(profile);
  servers.push(server);
  return server;
}

const ask = (server: GatewayServer, path: string, headers: Record<string, string>) =>
  server.app.inject({
    method: 'POST',
    url: `${path}/v1/chat/completions`,
    headers,
    payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  });

const apiKey = { authorization: 'Bearer sk-gateway-key-1' };

describe('per-surface rate limits (surfaces.<name>.rateLimit, issue 19)', () => {
  it("counts a surface with its own limit in its own bucket, shared by every instance on the profile's Redis", async () => {
    const [a, b] = await Promise.all([gateway('rl-surface-1'), gateway('rl-surface-1')]);
    expect((await ask(a, '', apiKey)).headers['x-ratelimit-limit']).toBe('2');
    expect((await ask(b, '', apiKey)).statusCode).toBe(200);
    const refused = await ask(a, '', apiKey);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('rate_limit_exceeded');
    // The same key on a surface without its own limit: the top-level limit, its own count.
    const loose = await ask(b, '/loose', apiKey);
    expect(loose.statusCode).toBe(200);
    expect(loose.headers).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4' });
    const client = createRedisConnection(redis.url);
    await once(client, 'ready');
    try {
      expect(await client.keys('rl-surface-1:surface:strict:*')).not.toHaveLength(0);
    } finally {
      client.disconnect();
    }
  });

  it('never lets a JWT subject share the bucket of an API key with the same id', async () => {
    const server = await gateway('rl-surface-2');
    const scheme = await jwtPlugin.create(jwtPlugin.configSchema.parse({ secret: JWT_SECRET }), {
      instanceName: 'jwt',
      log: silentLogger,
    });
    if (isDisabled(scheme)) throw new Error(scheme.reason);
    const jwt = { 'x-api-token': await scheme.issueToken!('key-abcdef12') };
    for (let i = 0; i < 2; i++) expect((await ask(server, '', apiKey)).statusCode).toBe(200);
    expect((await ask(server, '', apiKey)).statusCode).toBe(429);
    const other = await ask(server, '', jwt);
    expect(other.statusCode).toBe(200);
    expect(other.headers['x-ratelimit-remaining']).toBe('1');
  });
});
