import type { TelemetryRecord, TelemetrySink, UsageQuery } from '@llm-gateway/spec';
import { type MongoInstance, startMongo } from '@llm-gateway/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';
import type { TelemetryDocument } from './mongo-sink.js';
import { queryRollup } from './rollup-query.js';
import { queryUsage } from './usage-query.js';

let mongo: MongoInstance;
let client: MongoClient;
const sinks: TelemetrySink[] = [];

async function sink(collection: string): Promise<TelemetrySink> {
  const created = await plugin.create(
    plugin.configSchema.parse({ uri: mongo.url, db: mongo.dbName, collection, timeoutMs: 30_000 }),
    {
      instanceName: collection,
      log: { ...console, warn: () => {} } as never,
    },
  );
  if ('disabled' in created) throw new Error('disabled');
  sinks.push(created);
  return created;
}

// Deterministic spread over three days, every key sometimes missing, error types that are not plain field names.
function records(count: number, prefix: string): TelemetryRecord[] {
  const start = Date.UTC(2026, 2, 1, 20);
  return Array.from({ length: count }, (_, n) => {
    const error = n % 7 === 0 ? ['rate_limited', 'upstream.error', '$weird', ''][n % 4] : undefined;
    const llm = n % 11 === 0 ? undefined : 20 + ((n * 37) % 900);
    return {
      request_id: `${prefix}-${n}`,
      timestamp: new Date(start + ((n * 7_919_000) % (3 * 86_400_000))).toISOString(),
      surface: ['openai', 'dgen-ping', 'dsp'][n % 3]!,
      endpoint: 'chat.completions',
      method: 'POST',
      status_code: error === undefined ? 200 : 502,
      ...(n % 13 === 0 ? {} : { principal_id: `user${n % 5}` }),
      ...(n % 17 === 0 ? {} : { project_name: `project.${n % 3}` }),
      target_service: ['openai', 'ollama'][n % 2]!,
      model: ['gpt-4o-mini', 'llama3'][n % 4 === 0 ? 1 : 0]!,
      latency_ms: (llm ?? 0) + 1 + (n % 9),
      ...(n % 3 === 0 ? { gateway_overhead_ms: 0.5 + (n % 23) } : {}),
      ...(llm === undefined ? {} : { llm_latency_ms: llm }),
      ...(n % 19 === 0
        ? {}
        : {
            prompt_tokens: n % 50,
            completion_tokens: n % 30,
            total_tokens: (n % 50) + (n % 30),
            // Binary fractions: their sums are exact in any order, so rollups and raw records agree to the bit.
            cost_usd: (n % 50) / 1024,
          }),
      cache_hit: n % 5 === 0,
      ...(error === undefined ? {} : { error_type: error }),
    };
  });
}

const from = new Date('2026-03-02T00:00:00Z');
const to = new Date('2026-03-03T06:00:00Z');
const QUERIES: Record<string, UsageQuery> = {
  'totals over everything': { filters: {}, groupBy: [] },
  'by project per hour, a range of whole hours': {
    from,
    to,
    filters: {},
    groupBy: ['project'],
    bucket: 'hour',
  },
  'by principal per day': { filters: {}, groupBy: ['principal'], bucket: 'day' },
  'one model per hour from a start': { from, filters: { model: 'llama3' }, groupBy: [], bucket: 'hour' },
  'by backend until an end': { to, filters: {}, groupBy: ['backend'] },
  'one surface': { filters: { surface: 'dsp' }, groupBy: ['surface'], bucket: 'day' },
};

beforeAll(async () => {
  mongo = await startMongo();
  client = new MongoClient(mongo.url);
}, 60_000);
afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  await client?.close();
  await mongo?.stop();
}, 30_000);

describe('usage rollups', () => {
  let store: TelemetrySink;
  beforeAll(async () => {
    store = await sink('rolled');
    const all = records(240, 'r');
    await store.write(all.slice(0, 150));
    // A replayed batch (a retry, or CSV-spooled records) overlapping what is stored: only the new ones count.
    await store.write(all.slice(100, 240));
    await store.write(all.slice(0, 50));
    const totals = (await store.usage!({ filters: {}, groupBy: [] })).totals;
    expect(totals.requests).toBe(240);
    const spent = all.reduce((sum, record) => sum + (record.cost_usd ?? 0), 0);
    expect(spent).toBeGreaterThan(0);
    expect(totals.cost_usd).toBe(spent);
  }, 60_000);

  for (const [name, query] of Object.entries(QUERIES)) {
    it(`answers "${name}" from the rollups with exactly the raw records' figures`, async () => {
      const db = client.db(mongo.dbName);
      const raw = await queryUsage(db.collection<TelemetryDocument>('rolled'), query);
      const rolled = await queryRollup(db, 'rolled', query);
      expect(raw.totals.requests).toBeGreaterThan(0);
      expect(rolled).toEqual({ ...raw, source: 'rollup' });
    }, 60_000);
  }

  it('falls back to the raw records for a range not on whole hours or a query on two keys', async () => {
    const partHour = await store.usage!({ from: new Date('2026-03-02T00:30:00Z'), filters: {}, groupBy: [] });
    const twoKeys = await store.usage!({ filters: { project: 'project.1' }, groupBy: ['principal'] });
    const oneKey = await store.usage!({ filters: { project: 'project.1' }, groupBy: ['project'] });
    expect([partHour.source, twoKeys.source, oneKey.source]).toEqual(['records', 'records', 'rollup']);
    expect(twoKeys.rows.reduce((sum, row) => sum + row.requests, 0)).toBe(oneKey.totals.requests);
  }, 60_000);

  it('answers from the raw records before the rollups were complete (records stored before they existed)', async () => {
    const [old] = records(1, 'old');
    await client
      .db(mongo.dbName)
      .collection('upgraded')
      .insertOne({ ...old!, _id: old!.request_id, timestamp: new Date(old!.timestamp) } as never);
    const upgraded = await sink('upgraded');
    const recent = {
      ...records(1, 'new')[0]!,
      timestamp: new Date(Date.now() + 2 * 3_600_000).toISOString(),
    };
    await upgraded.write([recent]);
    const everything = await upgraded.usage!({ filters: {}, groupBy: [] });
    expect(everything).toMatchObject({ source: 'records', totals: { requests: 2 } });
    const since = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const later = await upgraded.usage!({ from: since, filters: {}, groupBy: [] });
    expect(later).toMatchObject({ source: 'rollup', totals: { requests: 1 } });
  }, 60_000);
});
