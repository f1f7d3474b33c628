import { takeTurns } from '@llm-gateway/plugin-kit';
import type { Logger, TelemetryRecord, TelemetrySink } from '@llm-gateway/spec';
import { type Collection, MongoClient } from 'mongodb';
import type { MongoSinkConfig } from './config.js';
import { duplicateKeyFailures } from './duplicate-keys.js';
import { queryRollup } from './rollup-query.js';
import { createRollupQueue } from './rollup-queue.js';
import { type UsageFields, usageFields } from './usage-fields.js';
import { queryUsage } from './usage-query.js';
import { markRollupStart, writeRollups } from './usage-rollup.js';

/** The stored form: `_id` is the request id, so a repeated write stores nothing twice. */
export interface TelemetryDocument extends Omit<TelemetryRecord, 'timestamp'> {
  _id: string;
  timestamp: Date;
  /** What the usage queries group on (absent from records stored before they existed). */
  usage?: UsageFields;
}

export function toDocument(record: TelemetryRecord): TelemetryDocument {
  return {
    _id: record.request_id,
    ...record,
    timestamp: new Date(record.timestamp),
    usage: usageFields(record),
  };
}

export function createMongoSink(
  config: MongoSinkConfig & { uri: string },
  name: string,
  log: Logger,
): TelemetrySink {
  const connect = () =>
    new MongoClient(config.uri, {
      serverSelectionTimeoutMS: config.timeoutMs,
      connectTimeoutMS: config.timeoutMs,
      socketTimeoutMS: config.timeoutMs,
    });
  let client = connect();
  const collection = (): Collection<TelemetryDocument> =>
    client.db(config.db).collection<TelemetryDocument>(config.collection);
  // A client whose first connection failed stays closed ("Topology is closed"): start over with a new one.
  const reset = () => {
    const old = client;
    client = connect();
    // Closed a little later, so a write already under way on it is not cut by a failed index build.
    setTimeout(() => old.close().catch(() => {}), config.timeoutMs * 2).unref();
  };
  let indexed = false;
  const rollupsIndexed = new Set<string>();
  // Inserts and rollup writes take turns: FerretDB 1.24's SQLite stalls when they run at once.
  const exclusive = takeTurns();
  const ensureIndexes = async () => {
    await collection().createIndexes([
      { key: { timestamp: 1 }, name: 'timestamp' },
      { key: { principal_id: 1 }, name: 'principal' },
      { key: { project_name: 1 }, name: 'project' },
      // The usage API filters on a key and a time range.
      { key: { principal_id: 1, timestamp: 1 }, name: 'principal_time' },
      { key: { project_name: 1, timestamp: 1 }, name: 'project_time' },
      { key: { model: 1, timestamp: 1 }, name: 'model_time' },
    ]);
    await markRollupStart(client.db(config.db), config.collection);
    indexed = true;
  };
  // Awaited by the first write, so a new store's rollups are marked complete before its first record.
  const started = ensureIndexes().catch((error: unknown) => {
    log.warn({ err: error }, `telemetry sink ${name}: indexes not created yet (server unreachable?)`);
    reset();
  });
  // Records whose insert succeeded are rolled up once; a failure here leaves them stored but not counted in the rollups.
  const rollups = createRollupQueue(
    (records) =>
      writeRollups(client.db(config.db), config.collection, records, rollupsIndexed, exclusive).catch(
        (error: unknown) => {
          log.warn(
            { err: error, records: records.length },
            `telemetry sink ${name}: records stored but not added to the usage rollups`,
          );
        },
      ),
    (records) => log.warn({ records }, `telemetry sink ${name}: rollups behind, records left out of them`),
  );

  return {
    name,
    async write(batch) {
      if (batch.length === 0) return;
      await started;
      let stored = batch;
      try {
        await exclusive(() => collection().insertMany(batch.map(toDocument), { ordered: false }));
      } catch (error) {
        const duplicates = duplicateKeyFailures(error);
        if (!duplicates) {
          reset();
          throw error;
        }
        // Only what this insert stored is rolled up: a replayed record was counted when it was first stored.
        stored = batch.filter((_, index) => !duplicates.has(index));
      }
      if (!indexed) await ensureIndexes().catch(() => {});
      if (stored.length > 0) rollups.add(stored);
    },
    async healthy() {
      try {
        await client.db(config.db).command({ ping: 1 });
        return true;
      } catch {
        reset();
        return false;
      }
    },
    async usage(query) {
      // This instance's own records are in the rollups before it answers from them.
      await rollups.settled();
      return (
        (await queryRollup(client.db(config.db), config.collection, query)) ?? queryUsage(collection(), query)
      );
    },
    async close() {
      await rollups.settled();
      await client.close();
    },
  };
}
