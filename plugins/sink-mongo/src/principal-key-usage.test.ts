import type { TelemetrySink, UsageQuery } from '@llm-gateway/spec';
import { type MongoInstance, startMongo } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourRecords, testSink } from './__fixtures__/test-sink.js';

let mongo: MongoInstance;
let sink: TelemetrySink;

beforeAll(async () => {
  mongo = await startMongo();
  sink = await testSink(mongo, 'principals');
  const [jwt, key, old] = hourRecords(3, 'p');
  const { principal_key: _none, ...legacy } = old!;
  // A JWT subject equal to an API key's derived id, and a record stored before principal_key existed.
  await sink.write([
    { ...jwt!, principal_id: 'key-0123abcd', principal_kind: 'user', principal_key: 'jwt:key-0123abcd' },
    { ...key!, principal_id: 'key-0123abcd', principal_kind: 'api_key', principal_key: 'keys:key-0123abcd' },
    { ...legacy, principal_id: 'key-0123abcd' },
  ]);
}, 60_000);

afterAll(async () => {
  await sink?.close();
  await mongo?.stop();
});

const hour = { from: new Date(Date.UTC(2026, 0, 5, 10)), to: new Date(Date.UTC(2026, 0, 5, 11)) };
const principals = (rows: { keys: { principal?: string | null }; requests: number }[]) =>
  Object.fromEntries(rows.map((row) => [row.keys.principal, row.requests]));

describe('usage counts principals by their scheme-namespaced key', () => {
  it.each([
    ['rollup', { ...hour, filters: {}, groupBy: ['principal'] }],
    [
      'records',
      { from: hour.from, to: new Date(hour.to.getTime() - 1), filters: {}, groupBy: ['principal'] },
    ],
  ] as [
    string,
    UsageQuery,
  ][])('groups a JWT user and an API key with the same id apart (%s), old records under their bare id', async (source, query) => {
    const report = await sink.usage!(query);
    expect(report.source).toBe(source);
    expect(principals(report.rows)).toEqual({
      'jwt:key-0123abcd': 1,
      'keys:key-0123abcd': 1,
      'key-0123abcd': 1,
    });
  });

  it.each([
    ['rollup', hour.to],
    ['records', new Date(hour.to.getTime() - 1)],
  ])('filters on the namespaced key (%s)', async (_source, to) => {
    const jwt = await sink.usage!({
      from: hour.from,
      to,
      filters: { principal: 'jwt:key-0123abcd' },
      groupBy: [],
    });
    expect(jwt.totals.requests).toBe(1);
    const legacy = await sink.usage!({
      from: hour.from,
      to,
      filters: { principal: 'key-0123abcd' },
      groupBy: [],
    });
    expect(legacy.totals.requests).toBe(1);
  });
});
