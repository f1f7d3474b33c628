import type { Logger, TelemetryRecord, TelemetrySink } from '@llm-gateway/spec';
import { type Collection, MongoBulkWriteError, MongoClient } from 'mongodb';
import type { MongoSinkConfig } from './config.js';
import { type UsageFields, usageFields } from './usage-fields.js';
import { queryUsage } from './usage-query.js';

/** The stored form: `_id` is the request id, so a repeated write stores nothing twice. */
export interface TelemetryDocument extends Omit<TelemetryRecord, 'timestamp'> {
  _id: string;
  timestamp: Date;
  /** What the usage queries group on (absent from records stored before they existed). */
  usage?: UsageFields;
}

const DUPLICATE_KEY = 11000;

export function toDocument(record: TelemetryRecord): TelemetryDocument {
  return {
    _id: record.request_id,
    ...record,
    timestamp: new Date(record.timestamp),
    usage: usageFields(record),
  };
}

/** True when every failure of an unordered insert is a duplicate key: those records are already stored. */
export function onlyDuplicates(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError)) return false;
  const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return failures.length > 0 && failures.every((failure) => failure.code === DUPLICATE_KEY);
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
    indexed = true;
  };
  ensureIndexes().catch((error: unknown) => {
    log.warn({ err: error }, `telemetry sink ${name}: indexes not created yet (server unreachable?)`);
    reset();
  });

  return {
    name,
    async write(batch) {
      if (batch.length === 0) return;
      try {
        await collection().insertMany(batch.map(toDocument), { ordered: false });
      } catch (error) {
        if (!onlyDuplicates(error)) {
          reset();
          throw error;
        }
      }
      if (!indexed) await ensureIndexes().catch(() => {});
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
    usage: (query) => queryUsage(collection(), query),
    close: () => client.close(),
  };
}
