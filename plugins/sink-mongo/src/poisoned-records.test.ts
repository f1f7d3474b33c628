import type { SinkWriteResult, TelemetrySink } from '@llm-gateway/spec';
import { type MongoInstance, startMongo } from '@llm-gateway/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourRecords, testSink } from './__fixtures__/test-sink.js';

let mongo: MongoInstance;
let client: MongoClient;
let sink: TelemetrySink;

beforeAll(async () => {
  mongo = await startMongo();
  client = new MongoClient(mongo.url);
  sink = await testSink(mongo, 'poisoned');
}, 60_000);

afterAll(async () => {
  await sink?.close();
  await client?.close();
  await mongo?.stop();
});

describe('a record the store refuses costs only itself', () => {
  it('stores the rest of the batch and returns the refused records (a NUL key once failed whole batches over to CSV forever)', async () => {
    const good = hourRecords(4, 'good');
    const poisoned = [
      { ...good[0]!, request_id: 'nul', event: { 'a\u0000b': 1 } },
      { ...good[0]!, request_id: 'dollar', event: { $where: 1 } },
      { ...good[0]!, request_id: 'dot', event: { nested: { 'a.b': 1 } } },
    ];
    const batch = [good[0]!, poisoned[0]!, good[1]!, poisoned[1]!, good[2]!, poisoned[2]!, good[3]!];

    const result = (await sink.write(batch)) as SinkWriteResult;
    expect(result.rejected.map(({ record }) => record.request_id).sort()).toEqual(['dollar', 'dot', 'nul']);
    expect(result.rejected.find(({ record }) => record.request_id === 'nul')!.reason).toMatch(/null bytes/);
    const ids = await client.db(mongo.dbName).collection('poisoned').distinct('_id');
    expect(ids.sort()).toEqual(good.map((record) => record.request_id).sort());
    expect(await sink.healthy!()).toBe(true);

    // Written again (a replay), the good ones are already there and the bad ones refused again, never thrown.
    const again = (await sink.write(batch)) as SinkWriteResult;
    expect(again.rejected).toHaveLength(3);
    // Rollups count each stored record once.
    const usage = await sink.usage!({ filters: {}, groupBy: [] });
    expect(usage).toMatchObject({ source: 'rollup', totals: { requests: 4 } });
  });

  it('refuses a document past 16 MiB alone (the driver refuses it before sending anything)', async () => {
    const [small, big] = hourRecords(2, 'size');
    const result = (await sink.write([
      small!,
      { ...big!, event: { blob: 'x'.repeat(17 * 1024 * 1024) } },
    ])) as SinkWriteResult;
    expect(result.rejected.map(({ record }) => record.request_id)).toEqual([big!.request_id]);
    expect(
      await client
        .db(mongo.dbName)
        .collection('poisoned')
        .countDocuments({ _id: small!.request_id as never }),
    ).toBe(1);
  });
});
