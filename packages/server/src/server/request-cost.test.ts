import { tablePrices } from '@llm-gateway/core';
import type { TelemetryRecord } from '@llm-gateway/spec';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';

let sim: Simulator;
const servers: GatewayServer[] = [];
beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: 'sk-upstream' });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  sim.reset();
});
afterAll(() => sim?.close());

async function gateway(pricing = '') {
  const records: TelemetryRecord[] = [];
  const server = await buildServer(
    parseProfile(
      `
logging: { level: silent }
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-upstream, baseURL: "\${SIM_URL}/v1" } }
  house: { plugin: backend-openai, config: { apiKey: sk-upstream, baseURL: "\${SIM_URL}/v1" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: [{ id: key-abcdef12, key: sk-gateway-key-1 }] } }
routing:
  defaultModel: gpt-4o-mini
  models: { gpt-4o-mini: openai, house-model: { backend: house, model: gpt-4o }, mystery: { backend: openai, model: mystery-1 }, text-embedding-3-small: openai }
cache: { enabled: true, store: memory }
surfaces:
  api: { plugin: surface-openai, auth: [keys] }
${pricing}
`,
      { source: 'cost.yaml', env: { SIM_URL: sim.url } },
    ),
    { logStream: { write: () => {} }, onTelemetry: (record) => records.push(record) },
  );
  servers.push(server);
  return { app: server.app, records };
}

const headers = { authorization: 'Bearer sk-gateway-key-1', 'content-type': 'application/json' };
const body = (content: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });

/** The table's price of a record's tokens (per million), worked out here: what the gateway must have charged. */
function tablePrice(record: TelemetryRecord, model = 'gpt-4o-mini'): number {
  const prices = tablePrices('openai', model)!;
  return (record.prompt_tokens! * prices.input + record.completion_tokens! * prices.output) / 1e6;
}

async function costMetric(app: GatewayServer['app'], labels: string): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith(`gateway_cost_usd_total{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('the cost of each request', () => {
  it('prices a JSON answer at the table, in its record and in /metrics; the cached repeat costs 0', async () => {
    const { app, records } = await gateway();
    const first = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers,
      payload: body('what does it cost?'),
    });
    expect(first.statusCode).toBe(200);
    await expect.poll(() => records.length).toBe(1);
    const charged = records[0]!;
    expect(charged.prompt_tokens).toBeGreaterThan(0);
    expect(charged.cost_usd).toBeGreaterThan(0);
    expect(charged.cost_usd).toBeCloseTo(tablePrice(charged), 12);
    const labels = 'backend="openai",model="gpt-4o-mini",surface="api"';
    expect(await costMetric(app, labels)).toBeCloseTo(charged.cost_usd!, 12);

    const again = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers,
      payload: body('what does it cost?'),
    });
    expect(again.headers['x-gateway-cache']).toBe('hit');
    await expect.poll(() => records.length).toBe(2);
    expect(records[1]).toMatchObject({ cache_hit: true, cost_usd: 0 });
    expect(await costMetric(app, labels)).toBeCloseTo(charged.cost_usd!, 12);
  });

  it('prices a streamed answer on its final usage', async () => {
    const { app, records } = await gateway();
    const streamed = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers,
      payload: body('stream the price', { stream: true, stream_options: { include_usage: true } }),
    });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.body).toContain('[DONE]');
    await expect.poll(() => records.length).toBe(1);
    expect(records[0]!.completion_tokens).toBeGreaterThan(0);
    expect(records[0]!.cost_usd).toBeCloseTo(tablePrice(records[0]!), 12);
  });

  it('prices embeddings on their input tokens', async () => {
    const { app, records } = await gateway();
    const embedded = await app.inject({
      method: 'POST',
      url: '/v1/embeddings',
      headers,
      payload: JSON.stringify({ model: 'text-embedding-3-small', input: 'price my vectors' }),
    });
    expect(embedded.statusCode).toBe(200);
    await expect.poll(() => records.length).toBe(1);
    const record = records[0]!;
    const prices = tablePrices('openai', 'text-embedding-3-small')!;
    expect(record.prompt_tokens).toBeGreaterThan(0);
    expect(record.cost_usd).toBeGreaterThan(0);
    expect(record.cost_usd).toBeCloseTo((record.prompt_tokens! * prices.input) / 1e6, 15);
  });

  it("takes the profile's prices for a backend's model before the table", async () => {
    const { app, records } = await gateway(
      'pricing: { backends: { house: { models: { gpt-4o: { input: 1000000, output: 2000000 } } } } }',
    );
    const answer = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers,
      payload: JSON.stringify({ model: 'house-model', messages: [{ role: 'user', content: 'mine' }] }),
    });
    expect(answer.statusCode).toBe(200);
    await expect.poll(() => records.length).toBe(1);
    const record = records[0]!;
    expect(record.cost_usd).toBe(record.prompt_tokens! + 2 * record.completion_tokens!);
  });

  it('refuses an unpriced model before any upstream call when the profile says refuse', async () => {
    const { app, records } = await gateway('pricing: { unknownModel: refuse }');
    const refused = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers,
      payload: JSON.stringify({ model: 'mystery', messages: [{ role: 'user', content: 'free?' }] }),
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'model_not_priced' });
    expect(sim.requests).toHaveLength(0);
    await expect.poll(() => records.length).toBe(1);
  });
});
