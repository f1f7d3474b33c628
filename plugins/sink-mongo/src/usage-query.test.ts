import type { TelemetryRecord, TelemetrySink } from '@llm-gateway/spec';
import { type MongoInstance, startMongo } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';

let mongo: MongoInstance;
let sink: TelemetrySink;

function record(n: number, fields: Partial<TelemetryRecord>): TelemetryRecord {
  return {
    request_id: `usage-${n}`,
    timestamp: '2026-03-01T10:15:00.000Z',
    surface: 'openai',
    endpoint: 'chat.completions',
    method: 'POST',
    status_code: 200,
    principal_id: 'alice',
    project_name: 'alpha',
    target_service: 'openai',
    model: 'gpt-4o-mini',
    latency_ms: 110,
    llm_latency_ms: 100,
    prompt_tokens: 10,
    completion_tokens: 5,
    total_tokens: 15,
    cache_hit: false,
    ...fields,
  };
}

const records = [
  record(1, {}),
  record(2, { timestamp: '2026-03-01T11:30:00.000Z', cache_hit: true, llm_latency_ms: 0, latency_ms: 2 }),
  record(3, {
    project_name: 'beta',
    principal_id: 'bob',
    prompt_tokens: 100,
    completion_tokens: 50,
    total_tokens: 150,
  }),
  record(4, {
    project_name: 'beta',
    principal_id: 'bob',
    status_code: 429,
    error_type: 'rate_limited',
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
  }),
  record(5, {
    timestamp: '2026-03-02T09:00:00.000Z',
    model: 'llama3',
    target_service: 'ollama',
    latency_ms: 1010,
    llm_latency_ms: 1000,
  }),
];

beforeAll(async () => {
  mongo = await startMongo();
  const created = await plugin.create(
    plugin.configSchema.parse({ uri: mongo.url, db: mongo.dbName, collection: 'usage' }),
    {
      instanceName: 'usage',
      log: console as never,
    },
  );
  if ('disabled' in created) throw new Error('disabled');
  sink = created;
  await sink.write(records);
}, 60_000);
afterAll(async () => {
  await sink?.close();
  await mongo?.stop();
}, 30_000);

describe('sink-mongo usage()', () => {
  it('adds up every figure over the whole store (each $group has one accumulator: FerretDB computes only the first)', async () => {
    const { totals } = await sink.usage!({ filters: {}, groupBy: [] });
    expect(totals).toMatchObject({
      requests: 5,
      prompt_tokens: 130,
      completion_tokens: 65,
      total_tokens: 195,
      errors: { rate_limited: 1 },
      cache_hits: 1,
      cache_hit_rate: 0.2,
    });
    expect(totals.llm_latency_ms.p50).toBeGreaterThanOrEqual(100);
    expect(totals.llm_latency_ms.p50).toBeLessThan(104);
    expect(totals.llm_latency_ms.p99).toBeGreaterThanOrEqual(1000);
    expect(totals.gateway_overhead_ms.p50).toBeGreaterThanOrEqual(10);
    expect(totals.gateway_overhead_ms.p50).toBeLessThan(10.5);
  });

  it('groups by project per hour, heaviest first within a bucket', async () => {
    const { rows } = await sink.usage!({ filters: {}, groupBy: ['project'], bucket: 'hour' });
    expect(rows.map((row) => [row.bucket, row.keys.project, row.requests, row.total_tokens])).toEqual([
      ['2026-03-01T10:00:00.000Z', 'beta', 2, 150],
      ['2026-03-01T10:00:00.000Z', 'alpha', 1, 15],
      ['2026-03-01T11:00:00.000Z', 'alpha', 1, 15],
      ['2026-03-02T09:00:00.000Z', 'alpha', 1, 15],
    ]);
  });

  it('filters by time range, principal, model and backend', async () => {
    const day = await sink.usage!({
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-02T00:00:00Z'),
      filters: { principal: 'alice' },
      groupBy: ['model'],
      bucket: 'day',
    });
    expect(day.totals.requests).toBe(2);
    expect(day.rows).toEqual([
      expect.objectContaining({
        bucket: '2026-03-01T00:00:00.000Z',
        keys: { model: 'gpt-4o-mini' },
        requests: 2,
      }),
    ]);
    const ollama = await sink.usage!({ filters: { backend: 'ollama', surface: 'openai' }, groupBy: [] });
    expect(ollama.totals).toMatchObject({ requests: 1, total_tokens: 15 });
  });
});
