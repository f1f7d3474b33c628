import type { TelemetryRecord } from '@llm-gateway/spec';
import { type RedisInstance, type Simulator, startOpenAISimulator, startRedis } from '@llm-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from '../server/build-server.js';

let sim: Simulator;
let redis: RedisInstance;
const servers: GatewayServer[] = [];
const adminKey = 'admin-key-0123456789abcdef';
const bearer = { authorization: `Bearer ${adminKey}` };
const admin = { ...bearer, 'content-type': 'application/json' };

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

async function gateway(records: TelemetryRecord[] = []): Promise<GatewayServer> {
  const server = await buildServer(
    parseProfile(
      `
service: { name: managed-keys }
logging: { level: silent }
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-upstream, baseURL: "\${SIM_URL}/v1" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: [{ id: key-profile1, key: sk-profile-key-1 }] } }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: openai, gpt-4o: openai } }
redis: { url: "\${REDIS_URL}" }
rateLimit: { store: redis }
surfaces:
  api: { plugin: surface-openai, auth: [keys] }
admin: { keys: ${adminKey} }
`,
      { source: 'keys.yaml', env: { SIM_URL: sim.url, REDIS_URL: redis.url } },
    ),
    { logStream: { write: () => {} }, onTelemetry: (record) => records.push(record) },
  );
  servers.push(server);
  return server;
}

const ask = (server: GatewayServer, key: string, model = 'gpt-4o-mini', maxTokens = 20) =>
  server.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], max_tokens: maxTokens }),
  });

const create = (server: GatewayServer, body: unknown) =>
  server.app.inject({ method: 'POST', url: '/admin/keys', headers: admin, payload: JSON.stringify(body) });

describe('managed keys on two gateways sharing Redis', () => {
  it('a key created on one works on the other at once, as its own principal, and is refused on both soon after its revocation', async () => {
    const seen: TelemetryRecord[] = [];
    const [a, b] = [await gateway(), await gateway(seen)];
    const created = await create(a, { name: 'ci bot', project: 'ci', models: ['gpt-4o-mini'] });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json();
    expect(key).toMatch(/^gwk-/);
    const listed = await b.app.inject({ method: 'GET', url: '/admin/keys', headers: admin });
    expect(listed.json().keys).toEqual([expect.objectContaining({ id, name: 'ci bot', project: 'ci' })]);
    expect(listed.body).not.toContain(key);
    expect(listed.body).not.toContain('digest');

    expect((await ask(b, key)).statusCode).toBe(200);
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toMatchObject({ principal_id: id, principal_key: `keys:${id}`, project_name: 'ci' });
    expect((await ask(b, key, 'gpt-4o')).statusCode).toBe(403);
    expect((await ask(a, 'sk-profile-key-1')).statusCode).toBe(200);

    const revoked = await a.app.inject({ method: 'DELETE', url: `/admin/keys/${id}`, headers: bearer });
    expect(revoked.statusCode).toBe(204);
    await expect.poll(async () => (await ask(b, key)).statusCode, { timeout: 1500, interval: 100 }).toBe(401);
    expect((await ask(a, key)).statusCode).toBe(401);
  });

  it('refuses a malformed key with a 400 naming the field, and writes nothing', async () => {
    const a = await gateway();
    const before = (await a.app.inject({ method: 'GET', url: '/admin/keys', headers: admin })).json().keys
      .length;
    const cases: [unknown, string][] = [
      [{ name: 'x', colour: 'red' }, 'colour'],
      [{ name: 'x', budgets: [{ period: 'day', usd: -1 }] }, 'budgets.0.usd'],
      [{ name: 'x'.repeat(200) }, 'name'],
      [{ project: 'p' }, 'name'],
      [{ name: 'x', expires_at: 'tomorrow' }, 'expires_at'],
    ];
    for (const [body, param] of cases) {
      const refused = await create(a, body);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toMatchObject({ param });
    }
    const after = (await a.app.inject({ method: 'GET', url: '/admin/keys', headers: admin })).json().keys
      .length;
    expect(after).toBe(before);
  });

  it("rotates a secret (the old one keeps working for the grace period) and enforces the key's own budget", async () => {
    const [a, b] = [await gateway(), await gateway()];
    const { id, key } = (
      await create(a, { name: 'budgeted', budgets: [{ period: 'day', tokens: 40 }] })
    ).json();
    const rotated = await a.app.inject({ method: 'POST', url: `/admin/keys/${id}/rotate`, headers: bearer });
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json().key;
    expect(fresh).not.toBe(key);
    expect((await ask(b, fresh)).statusCode).toBe(200);
    // The first request used a few tokens of 40; the next one's reservation (prompt + 30) no longer fits.
    const refused = await ask(b, key, 'gpt-4o-mini', 30);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('budget_exceeded');
  });
});
