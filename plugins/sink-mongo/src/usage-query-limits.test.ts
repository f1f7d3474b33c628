import { isGatewayError, type TelemetrySink } from '@llm-gateway/spec';
import { type MongoInstance, startMongo } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourRecords, testSink } from './__fixtures__/test-sink.js';

let mongo: MongoInstance;
const sinks: TelemetrySink[] = [];

beforeAll(async () => {
  mongo = await startMongo();
  const writer = await testSink(mongo, 'limits');
  sinks.push(writer);
  const records = hourRecords(1000, 'limit');
  for (let start = 0; start < records.length; start += 1000)
    await writer.write(records.slice(start, start + 1000));
}, 120_000);

afterAll(async () => {
  for (const sink of sinks) await sink.close();
  await mongo?.stop();
});

// Two keys at once: only the raw records answer it.
const rawQuery = { filters: {}, groupBy: ['project', 'principal'] } as const;

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isGatewayError(error)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

describe('usage queries are bounded on the server (14 raw queries once ran on past the client timeout)', () => {
  it('stops a query past queryTimeoutMs on the server (maxTimeMS) and says so: a 504, not a 500', async () => {
    // 1 ms: past it on any machine, the limit the server applies is what this checks.
    const sink = await testSink(mongo, 'limits', { queryTimeoutMs: 1 });
    sinks.push(sink);
    const error = await failure(sink.usage!({ ...rawQuery, groupBy: [...rawQuery.groupBy] }));
    expect(error).toMatchObject({ status: 504, code: 'usage_query_timeout' });
    expect(error.message).toMatch(/ran past 1 ms and was stopped/);
  });

  it('refuses raw-record queries past maxRawQueries at once with a 429 and Retry-After', async () => {
    const sink = await testSink(mongo, 'limits', { maxRawQueries: 1, queryTimeoutMs: 120_000 });
    sinks.push(sink);
    const first = sink.usage!({ ...rawQuery, groupBy: [...rawQuery.groupBy] });
    const error = await failure(sink.usage!({ ...rawQuery, groupBy: [...rawQuery.groupBy] }));
    expect(error).toMatchObject({ status: 429, code: 'usage_queries_busy' });
    expect(error.headers['retry-after']).toMatch(/^\d+$/);
    expect((await first).totals.requests).toBe(1000);
    // Once it finished, the next one runs.
    expect((await sink.usage!({ ...rawQuery, groupBy: [...rawQuery.groupBy] })).totals.requests).toBe(1000);
  });
});
