/**
 * Spend you can govern, end to end: two gateway processes sharing one real Redis (managed keys, budgets) and
 * one FerretDB (telemetry with cost_usd, /admin/usage), clients on the official OpenAI SDK.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type MongoInstance,
  type RedisInstance,
  type Simulator,
  startMongo,
  startOpenAISimulator,
  startRedis,
} from '@llm-gateway/testkit';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { waitUntil } from './helpers/http.js';

const adminKey = 'admin-key-e2e-0123456789abcdef';
// Reply tokens cost 1 USD each, prompts nothing: a request with max_tokens 40 reserves exactly 40 USD.
const profile = `
service: { name: spend-e2e }
logging: { level: warn }
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-upstream, baseURL: "\${SIM_URL}/v1" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: [{ id: key-team, key: sk-team-key-1 }] } }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: openai } }
redis: { url: "\${REDIS_URL}" }
rateLimit: { store: redis }
surfaces:
  openai: { plugin: surface-openai, auth: [keys] }
pricing: { backends: { openai: { models: { gpt-4o-mini: { input: 0, output: 1000000 } } } } }
budgets:
  - { name: team-day, scope: principal, match: "keys:key-team", period: day, usd: 400 }
telemetry:
  flushIntervalMs: 100
  sinks:
    mongo: { plugin: sink-mongo, config: { uri: "\${MONGO_URI}", db: spend } }
admin: { keys: ${adminKey} }
`;

let sim: Simulator;
let redis: RedisInstance;
let mongo: MongoInstance;
let a: Gateway;
let b: Gateway;

beforeAll(async () => {
  // Slow answers: twenty concurrent requests all reserve before the first one settles.
  [sim, redis, mongo] = await Promise.all([
    // A reply longer than max_tokens, cut at it: each request spends exactly its 40 USD reservation, so however
    // the twenty interleave (a settled one refunds nothing), at most ten fit.
    startOpenAISimulator({ apiKey: 'sk-upstream', latencyMs: 300, reply: () => 'spend '.repeat(60).trim() }),
    startRedis(),
    startMongo({ dbName: 'spend' }),
  ]);
  const file = join(mkdtempSync(join(tmpdir(), 'spend-e2e-')), 'spend.yaml');
  writeFileSync(file, profile);
  const env = { SIM_URL: sim.url, REDIS_URL: redis.url, MONGO_URI: mongo.url };
  [a, b] = await Promise.all([startGateway({ profile: file, env }), startGateway({ profile: file, env })]);
  // Until its Redis connection is up an instance counts alone (the limiters' memory insurance): wait for both.
  for (const gateway of [a, b]) {
    await waitUntil(
      async () =>
        ((await (await fetch(`${gateway.url}/health`)).json()) as { redis_connected?: boolean })
          .redis_connected === true,
      'Redis connected',
      20_000,
    );
  }
}, 120_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await Promise.all([sim?.close(), redis?.stop(), mongo?.stop()]);
});

const admin = (gateway: Gateway, path: string, init: RequestInit = {}) =>
  fetch(`${gateway.url}/admin${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  });

async function ask(gateway: Gateway, apiKey: string, maxTokens = 40): Promise<number> {
  const sdk = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
  try {
    await sdk.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'how much?' }],
      max_tokens: maxTokens,
    });
    return 200;
  } catch (error) {
    if (error instanceof APIError && error.status) return error.status;
    throw error;
  }
}

describe('spend across two gateways', () => {
  it('a key created on one works on the other at once, and is refused on both within a second of its revocation', async () => {
    const created = await admin(a, '/keys', {
      method: 'POST',
      body: JSON.stringify({ name: 'e2e', project: 'p1' }),
    });
    expect(created.status).toBe(201);
    const { id, key } = (await created.json()) as { id: string; key: string };
    expect(await ask(b, key)).toBe(200);
    expect(await ask(a, key)).toBe(200);
    expect((await admin(a, `/keys/${id}`, { method: 'DELETE' })).status).toBe(204);
    await expect.poll(() => ask(b, key), { timeout: 1500, interval: 100 }).toBe(401);
    await expect.poll(() => ask(a, key), { timeout: 1500, interval: 100 }).toBe(401);
  });

  it('never lets concurrent requests on both instances overrun a budget, and the other instance refuses once it is spent', async () => {
    // 400 USD at 40 USD a reservation: at most ten fit.
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, n) => ask(n % 2 === 0 ? a : b, 'sk-team-key-1')),
    );
    const ok = statuses.filter((status) => status === 200).length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThanOrEqual(10);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 429)).toBe(true);
    const view = (await (await admin(b, '/budgets')).json()) as {
      budgets: { name: string; usd: { used: number; limit: number } }[];
    };
    const team = view.budgets.find((row) => row.name === 'team-day')!;
    expect(team.usd.used).toBeGreaterThan(0);
    expect(team.usd.used).toBeLessThanOrEqual(400);
    // Spend through one instance until it is refused; the other refuses too (a 40-token reservation no longer fits).
    for (let n = 0; n < 200 && (await ask(a, 'sk-team-key-1')) === 200; n += 1);
    expect(await ask(b, 'sk-team-key-1')).toBe(429);
  }, 60_000);

  it('stores each request cost, summed by /admin/usage on the other instance', async () => {
    await expect
      .poll(
        async () => {
          const usage = (await (await admin(b, '/usage?group_by=principal')).json()) as {
            totals: { cost_usd: number; requests: number };
          };
          return usage.totals.cost_usd;
        },
        { timeout: 10_000, interval: 250 },
      )
      .toBeGreaterThan(0);
  });
});
