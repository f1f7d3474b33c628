import type { TelemetryRecord } from '@llm-gateway/spec';
import { type MongoInstance, sampleRecords, sinkConformance, startMongo } from '@llm-gateway/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import plugin, { type TelemetryDocument } from './index.js';

let mongo: MongoInstance | undefined;
let client: MongoClient | undefined;

async function started(): Promise<MongoInstance> {
  mongo ??= await startMongo();
  client ??= new MongoClient(mongo.url);
  return mongo;
}

function toRecord({ _id, timestamp, usage: _usage, ...rest }: TelemetryDocument): TelemetryRecord {
  return { ...rest, timestamp: timestamp.toISOString() } as TelemetryRecord;
}

sinkConformance({
  plugin,
  config: async () => {
    const { url, dbName } = await started();
    return { uri: url, db: dbName, collection: 'conformance' };
  },
  idempotent: true,
  invalidConfigs: [42, { uri: 'mongodb://x', unknown: 1 }, { uri: 'mongodb://x', timeoutMs: -1 }],
  async readBack() {
    const { dbName } = await started();
    const docs = await client!.db(dbName).collection<TelemetryDocument>('conformance').find().toArray();
    return docs.map(toRecord);
  },
});

describe('sink-mongo', () => {
  it('is switched off by a blank URI (an unset MONGO_URI)', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ uri: '' }), {
      instanceName: 'm',
      log: console as never,
    });
    expect(created).toMatchObject({ disabled: true });
  });

  describe('against a server', () => {
    beforeAll(started, 60_000);

    it('keys documents on the request id, stores timestamps as dates and creates its indexes', async () => {
      const { url, dbName } = await started();
      const sink = await plugin.create(
        plugin.configSchema.parse({ uri: url, db: dbName, collection: 'keys' }),
        {
          instanceName: 'm',
          log: console as never,
        },
      );
      if ('disabled' in sink) throw new Error('disabled');
      const [record] = sampleRecords(1, 'key');
      await sink.write([record!]);
      const collection = client!.db(dbName).collection('keys');
      const doc = await collection.findOne({ _id: record!.request_id as never });
      expect(doc?.['timestamp']).toBeInstanceOf(Date);
      const names = (await collection.indexes()).map((index) => index.name);
      expect(names).toEqual(expect.arrayContaining(['timestamp', 'principal', 'project']));
      await sink.close();
    });
  });

  it('starts writing once a server that was down at start comes up (a failed first connect once closed it for good)', async () => {
    const own = await startMongo();
    try {
      await own.kill();
      const sink = await plugin.create(
        plugin.configSchema.parse({ uri: own.url, db: own.dbName, timeoutMs: 500 }),
        {
          instanceName: 'late',
          log: { ...console, warn: () => {} } as never,
        },
      );
      if ('disabled' in sink) throw new Error('disabled');
      await expect(sink.write(sampleRecords(1, 'early'))).rejects.toThrow();
      await own.restart();
      await vi.waitFor(async () => expect(await sink.healthy!()).toBe(true), {
        timeout: 10_000,
        interval: 200,
      });
      await sink.write(sampleRecords(2, 'late'));
      await sink.close();
    } finally {
      await own.stop();
    }
  }, 30_000);

  it('notices an unreachable server within its timeout: write throws, healthy() is false', async () => {
    const sink = await plugin.create(
      plugin.configSchema.parse({ uri: 'mongodb://127.0.0.1:1/x', timeoutMs: 300 }),
      { instanceName: 'm', log: { ...console, warn: () => {} } as never },
    );
    if ('disabled' in sink) throw new Error('disabled');
    await expect(sink.write(sampleRecords(1, 'down'))).rejects.toThrow();
    expect(await sink.healthy!()).toBe(false);
    await sink.close();
  });
});

// One server for the whole file, stopped once every suite in it is done.
afterAll(async () => {
  await client?.close();
  await mongo?.stop();
}, 30_000);
