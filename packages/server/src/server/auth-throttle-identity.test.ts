import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSecret } from '@llm-gateway/auth-client-secret';
import { createRedisConnection } from '@llm-gateway/core';
import { type RedisInstance, startRedis } from '@llm-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testBackendPlugin, testSurfacePlugin } from '../__fixtures__/test-plugins.js';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';

const TOKEN_SECRET = 'throttle-identity-token-secret-0123456789';
const GOOD_KEY = 'sk-throttle-good-7f3a';
const secrets = { alpha: 'alpha-secret-91c2', beta: 'beta-secret-4d8e' };

let clientsDir: string;
let redis: RedisInstance;
beforeAll(async () => {
  clientsDir = await mkdtemp(join(tmpdir(), 'throttle-clients-'));
  for (const [id, secret] of Object.entries(secrets)) {
    const hash = await hashSecret(secret, { cost: 1024 });
    await writeFile(
      join(clientsDir, `${id}.json`),
      JSON.stringify({ client_id: id, client_secret_hash: hash }),
    );
  }
  redis = await startRedis();
});
afterAll(async () => {
  await rm(clientsDir, { recursive: true, force: true });
  await redis?.stop();
});

const servers: GatewayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(authFailures: string, extra = '') {
  const lines: string[] = [];
  const gateway = await buildServer(
    parseProfile(
      `
logging: { level: debug }
server: { authFailures: ${authFailures} }
${extra}
backends:
  alpha: { plugin: backend-test, config: { models: [alpha-model] } }
auth:
  keys: { plugin: auth-api-key, config: { keys: [${GOOD_KEY}], headers: [x-api-key] } }
  jwt: { plugin: auth-jwt, config: { secret: ${TOKEN_SECRET}, header: x-api-token } }
  clients: { plugin: auth-client-secret, config: { dir: '${clientsDir}' } }
routing: { defaultModel: alpha-model, models: { alpha-model: alpha } }
surfaces:
  api: { plugin: surface-test, auth: [keys, jwt, clients], prefix: /api }
`,
      { source: 'test.yaml', env: {} },
    ),
    {
      logStream: { write: (line: string) => void lines.push(line) },
      plugins: { 'backend-test': testBackendPlugin().plugin, 'surface-test': testSurfacePlugin },
    },
  );
  servers.push(gateway);
  const whoami = (headers: Record<string, string>, remoteAddress: string) =>
    gateway.app.inject({ method: 'GET', url: '/api/whoami', headers, remoteAddress });
  return { gateway, whoami, lines };
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An HS256 JWT for `sub`, signed with `secret` (the gateway's, or a forger's). */
function jwt(sub: string, secret: string): string {
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ sub, soeid: sub })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const nat = '10.9.9.9';

describe('failed-login throttle per address and claimed identity (NAT)', () => {
  it('locked out every client behind one address: a stale API key blocks only itself', async () => {
    const { whoami } = await setup('{ limit: 3 }');
    for (let i = 0; i < 3; i++) expect((await whoami({ 'x-api-key': 'sk-stale' }, nat)).statusCode).toBe(401);
    const blocked = await whoami({ 'x-api-key': 'sk-stale' }, nat);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Other clients behind the same NAT still log in, or get their own 401.
    expect((await whoami({ 'x-api-key': GOOD_KEY }, nat)).statusCode).toBe(200);
    expect((await whoami({ 'x-api-key': 'sk-other-typo' }, nat)).statusCode).toBe(401);
  });

  it('counts forged JWTs by the subject they claim: that subject is blocked, another user at the address is not', async () => {
    const { whoami } = await setup('{ limit: 3 }');
    for (let i = 0; i < 3; i++) {
      const forged = jwt('ab1234', `forger-secret-${i}`);
      expect((await whoami({ 'x-api-token': forged }, nat)).statusCode).toBe(401);
    }
    // Guessing stops paying off for that subject, even with its real token.
    expect((await whoami({ 'x-api-token': jwt('ab1234', TOKEN_SECRET) }, nat)).statusCode).toBe(429);
    expect((await whoami({ 'x-api-token': jwt('cd5678', TOKEN_SECRET) }, nat)).statusCode).toBe(200);
  });

  it('counts DSP logins by client_id: wrong secrets for one client leave the other client in', async () => {
    const { whoami } = await setup('{ limit: 3 }');
    for (let i = 0; i < 3; i++) {
      const guess = { client_id: 'alpha', client_secret: `guess-${i}` };
      expect((await whoami(guess, nat)).statusCode).toBe(401);
    }
    expect((await whoami({ client_id: 'alpha', client_secret: secrets.alpha }, nat)).statusCode).toBe(429);
    expect((await whoami({ client_id: 'beta', client_secret: secrets.beta }, nat)).statusCode).toBe(200);
  });

  it('keeps a per-address ceiling against spraying many identities, and other addresses stay in', async () => {
    const { whoami } = await setup('{ limit: 3, addressLimit: 5 }');
    for (let i = 0; i < 5; i++)
      expect((await whoami({ 'x-api-key': `sk-spray-${i}` }, nat)).statusCode).toBe(401);
    expect((await whoami({ 'x-api-key': GOOD_KEY }, nat)).statusCode).toBe(429);
    expect((await whoami({ client_id: 'beta', client_secret: secrets.beta }, nat)).statusCode).toBe(429);
    expect((await whoami({ 'x-api-key': GOOD_KEY }, '10.8.8.8')).statusCode).toBe(200);
  });

  it('stores and logs only digests of the claimed identity, never the credential (Redis store)', async () => {
    const { whoami, lines } = await setup(
      '{ limit: 2 }',
      `redis: { url: '${redis.url}' }\nrateLimit: { store: redis }`,
    );
    const stale = 'sk-stale-credential-5b1e';
    for (let i = 0; i < 2; i++) expect((await whoami({ 'x-api-key': stale }, nat)).statusCode).toBe(401);
    expect((await whoami({ 'x-api-key': stale }, nat)).statusCode).toBe(429);
    expect((await whoami({ 'x-api-key': GOOD_KEY }, nat)).statusCode).toBe(200);
    const client = createRedisConnection(redis.url);
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const keys = await client.keys('llmgw:authfail*');
      expect(keys.some((key) => key.startsWith('llmgw:authfail-id'))).toBe(true);
      const values = await Promise.all(keys.map((key) => client.get(key).catch(() => '')));
      expect([...keys, ...values].join('\n')).not.toContain(stale);
    } finally {
      client.disconnect();
    }
    expect(lines.join('\n')).not.toContain(stale);
  });
});
