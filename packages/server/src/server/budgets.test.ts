import { type RedisInstance, type Simulator, startOpenAISimulator, startRedis } from '@llm-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';

let sim: Simulator;
let redis: RedisInstance;
const servers: GatewayServer[] = [];
const adminKey = 'admin-key-0123456789abcdef';

beforeAll(async () => {
  // Replies longer than any max_tokens here, cut at it: a request spends exactly the reply tokens it reserved, so
  // however the requests interleave no settlement frees room for an extra one.
  [sim, redis] = await Promise.all([
    startOpenAISimulator({ apiKey: 'sk-upstream', latencyMs: 100, reply: () => 'spend '.repeat(100).trim() }),
    startRedis(),
  ]);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(async () => {
  await sim?.close();
  await redis?.stop();
});

/** A gateway whose model costs 1 USD per reply token, so a request with max_tokens 50 reserves exactly 50 USD. */
async function gateway(service: string, budgets: string): Promise<GatewayServer> {
  const server = await buildServer(
    parseProfile(
      `
service: { name: ${service} }
logging: { level: silent }
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-upstream, baseURL: "\${SIM_URL}/v1" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: [{ id: key-abcdef12, key: sk-gateway-key-1 }] } }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: openai } }
redis: { url: "\${REDIS_URL}", connectTimeoutMs: 5000, commandTimeoutMs: 5000 }
rateLimit: { store: redis }
surfaces:
  api: { plugin: surface-openai, auth: [keys] }
pricing: { backends: { openai: { models: { gpt-4o-mini: { input: 0, output: 1000000 } } } } }
admin: { keys: ${adminKey} }
budgets: ${budgets}
`,
      { source: 'budgets.yaml', env: { SIM_URL: sim.url, REDIS_URL: redis.url } },
    ),
    { logStream: { write: () => {} } },
  );
  servers.push(server);
  return server;
}

const headers = { authorization: 'Bearer sk-gateway-key-1', 'content-type': 'application/json' };
const ask = (server: GatewayServer, n: number, maxTokens = 50) =>
  server.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers,
    payload: JSON.stringify({
      messages: [{ role: 'user', content: `question ${n}` }],
      max_tokens: maxTokens,
    }),
  });

async function softCrossings(server: GatewayServer): Promise<number> {
  const text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith('gateway_budget_soft_crossed_total{budget="team"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('budgets shared by two gateways on one Redis', () => {
  it('let at most ten of twenty concurrent requests through a budget worth ten, and refuse the rest with a 429 naming it', async () => {
    const budget = '[{ name: team, scope: principal, period: day, usd: 500, softPercent: 50 }]';
    const [a, b] = [await gateway('budget-a', budget), await gateway('budget-a', budget)];
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => ask(n % 2 === 0 ? a : b, n)));
    const ok = answers.filter((answer) => answer.statusCode === 200);
    const refused = answers.filter((answer) => answer.statusCode === 429);
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.length).toBeLessThanOrEqual(10);
    expect(ok.length + refused.length).toBe(20);
    for (const answer of refused) {
      expect(answer.json().error).toMatchObject({ code: 'budget_exceeded' });
      expect(answer.json().error.message).toMatch(
        /Budget team exceeded: .* it resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/,
      );
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Both instances count against one total: the other's view shows what was spent through either.
    const status = await b.app.inject({
      method: 'GET',
      url: '/admin/budgets',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(status.statusCode).toBe(200);
    const [row] = status.json().budgets;
    expect(row).toMatchObject({ name: 'team', scope: 'principal', key: 'keys:key-abcdef12', period: 'day' });
    expect(row.usd.limit).toBe(500);
    expect(row.usd.used).toBeGreaterThan(0);
    expect(row.usd.used).toBeLessThanOrEqual(500);
    expect(Date.parse(row.resets_at)).toBeGreaterThan(Date.now());
    expect((await softCrossings(a)) + (await softCrossings(b))).toBe(1);
  });

  it('refuses on one instance a budget spent through the other', async () => {
    // A request reserves its prompt plus max_tokens, then settles at what it used (about 52 tokens here).
    const budget = '[{ name: team, scope: key, period: month, tokens: 70 }]';
    const [a, b] = [await gateway('budget-b', budget), await gateway('budget-b', budget)];
    expect((await ask(a, 1)).statusCode).toBe(200);
    // The second reserves about 68 (its prompt and max_tokens 60): alone it would fit in 70, not after the
    // first one's use (settled through the other instance).
    const refusal = await ask(b, 2, 60);
    expect(refusal.statusCode).toBe(429);
    expect(refusal.json().error.code).toBe('budget_exceeded');
    expect(refusal.json().error.message).toContain('this month');
  });
});
