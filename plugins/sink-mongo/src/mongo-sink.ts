import { takeTurns } from '@llm-gateway/plugin-kit';
import type { Logger, RejectedRecord, TelemetryRecord, TelemetrySink } from '@llm-gateway/spec';
import { type Collection, MongoClient } from 'mongodb';
import type { MongoSinkConfig } from './config.js';
import { encodingFailed, insertFailures, unencodable } from './insert-failures.js';
import { createQueryGate } from './query-gate.js';
import { journal, newBatchId } from './rollup-journal.js';
import { queryRollup, rollupGrain } from './rollup-query.js';
import { createRollupQueue, type StoredBatch } from './rollup-queue.js';
import { type TelemetryDocument, toDocument } from './telemetry-document.js';
import { usageQueryError } from './usage-errors.js';
import { queryUsage } from './usage-query.js';
import { markRollupStart, writeRollups } from './usage-rollup.js';

export { type TelemetryDocument, toDocument } from './telemetry-document.js';

interface Inserted {
  stored: TelemetryRecord[];
  rejected: RejectedRecord[];
}

/** Journaled batches repaired per pass: a long outage's backlog is worked off over several passes. */
const REPAIR_LIMIT = 50;

export function createMongoSink(
  config: MongoSinkConfig & { uri: string },
  name: string,
  log: Logger,
): TelemetrySink {
  const connect = (socketTimeoutMS: number) =>
    new MongoClient(config.uri, {
      serverSelectionTimeoutMS: config.timeoutMs,
      connectTimeoutMS: config.timeoutMs,
      socketTimeoutMS,
    });
  let client = connect(config.timeoutMs);
  // Usage queries may run up to queryTimeoutMs server-side: their socket must outlast that, the inserts' must not.
  let queryClient: MongoClient | undefined;
  const queryDb = () => {
    queryClient ??= connect(config.queryTimeoutMs + config.timeoutMs);
    return queryClient.db(config.db);
  };
  const db = () => client.db(config.db);
  const collection = (): Collection<TelemetryDocument> =>
    db().collection<TelemetryDocument>(config.collection);
  // A client whose first connection failed stays closed ("Topology is closed"): start over with a new one.
  const reset = () => {
    const old = client;
    client = connect(config.timeoutMs);
    // Closed a little later, so a write already under way on it is not cut by a failed index build.
    setTimeout(() => old.close().catch(() => {}), config.timeoutMs * 2).unref();
  };
  let indexed = false;
  const rollupsIndexed = new Set<string>();
  // Inserts and rollup writes take turns: FerretDB 1.24's SQLite stalls when they run at once.
  const exclusive = takeTurns();
  const rawQueries = createQueryGate(config.maxRawQueries, Math.min(config.queryTimeoutMs, 10_000));
  const ensureIndexes = async () => {
    await collection().createIndexes([
      { key: { timestamp: 1 }, name: 'timestamp' },
      { key: { principal_id: 1 }, name: 'principal' },
      { key: { project_name: 1 }, name: 'project' },
      // The usage API filters on a key and a time range.
      { key: { principal_id: 1, timestamp: 1 }, name: 'principal_time' },
      { key: { principal_key: 1, timestamp: 1 }, name: 'principal_key_time' },
      { key: { project_name: 1, timestamp: 1 }, name: 'project_time' },
      { key: { model: 1, timestamp: 1 }, name: 'model_time' },
    ]);
    await markRollupStart(db(), config.collection);
    indexed = true;
  };
  // Awaited by the first write, so a new store's rollups are marked complete before its first record.
  const started = ensureIndexes().catch((error: unknown) => {
    log.warn({ err: error }, `telemetry sink ${name}: indexes not created yet (server unreachable?)`);
    reset();
  });

  // A batch's rollups, applied once under its id; the journal entry goes only when they all landed.
  const applyRollups = async ({ batch, records }: StoredBatch) => {
    await writeRollups(db(), config.collection, records, rollupsIndexed, exclusive, batch);
    await exclusive(() => journal(db(), config.collection).close(batch));
  };
  const rollups = createRollupQueue(
    (stored) =>
      applyRollups(stored).catch((error: unknown) => {
        log.warn(
          { err: error, records: stored.records.length },
          `telemetry sink ${name}: rollups not written yet; the journal's repair adds them later`,
        );
      }),
    (records) =>
      log.warn({ records }, `telemetry sink ${name}: rollups behind; the journal's repair adds them later`),
  );

  // Redoes the rollups of journaled batches whose writer failed or died: each once, thanks to its id.
  let repairing: Promise<number> | undefined;
  const repair = () => {
    repairing ??= (async () => {
      // Reads may scan a large collection (FerretDB): on the query client, whose socket outlasts them.
      const entries = journal(queryDb(), config.collection);
      const stale = await entries.stale(new Date(Date.now() - repairAgeMs), REPAIR_LIMIT);
      for (const entry of stale) {
        const records = await entries.storedBy(entry);
        if (records.length > 0)
          await writeRollups(db(), config.collection, records, rollupsIndexed, exclusive, entry._id);
        await exclusive(() => journal(db(), config.collection).close(entry._id));
      }
      if (stale.length > 0) log.info({ batches: stale.length }, `telemetry sink ${name}: rollups repaired`);
      return stale.length;
    })()
      .catch((error: unknown) => {
        log.warn({ err: error }, `telemetry sink ${name}: rollup repair failed; retried later`);
        return 0;
      })
      .finally(() => {
        repairing = undefined;
      });
    return repairing;
  };
  // Past any live write's insert (bounded by the socket timeout), so only a failed or dead writer's batches are taken.
  const repairAgeMs = Math.max(config.rollupRepairMs, config.timeoutMs * 5);
  const repairTimer = setInterval(() => void repair(), config.rollupRepairMs);
  repairTimer.unref();

  // Unordered insert; duplicates count as stored, documents the store refuses come back rejected.
  const insert = async (batch: TelemetryRecord[], id: string): Promise<Inserted> => {
    const documents = batch.map((record) => toDocument(record, id));
    try {
      await exclusive(() => collection().insertMany(documents, { ordered: false }));
      return { stored: batch, rejected: [] };
    } catch (error) {
      if (encodingFailed(error)) {
        // Nothing was sent: set the documents the driver cannot encode aside and insert the others.
        const bad = unencodable(documents);
        if (bad.size === 0) throw error;
        const rest = await insert(
          batch.filter((_, index) => !bad.has(index)),
          id,
        );
        const rejected = [...bad].map(([index, reason]) => ({ record: batch[index]!, reason }));
        return { stored: rest.stored, rejected: [...rejected, ...rest.rejected] };
      }
      const failures = insertFailures(error);
      if (!failures) throw error;
      const { duplicates, rejected } = failures;
      return {
        // Only what this insert stored is rolled up: a record already there was counted by the write that stored it.
        stored: batch.filter((_, index) => !duplicates.has(index) && !rejected.has(index)),
        rejected: [...rejected].map(([index, reason]) => ({ record: batch[index]!, reason })),
      };
    }
  };

  return {
    name,
    async write(batch) {
      if (batch.length === 0) return;
      await started;
      const id = newBatchId();
      let result: Inserted;
      try {
        // Journaled first: records stored without their rollups (a store dying mid-write) are found again.
        await exclusive(() => journal(db(), config.collection).open(id, batch));
        result = await insert(batch, id);
      } catch (error) {
        reset();
        throw error;
      }
      if (!indexed) await ensureIndexes().catch(() => {});
      if (result.stored.length > 0) rollups.add({ batch: id, records: result.stored });
      else await exclusive(() => journal(db(), config.collection).close(id)).catch(() => {});
      return { rejected: result.rejected };
    },
    async healthy() {
      try {
        await db().command({ ping: 1 });
        return true;
      } catch {
        reset();
        return false;
      }
    },
    async usage(query) {
      // This instance's own records are in the rollups before it answers from them.
      await rollups.settled();
      const store = queryDb();
      const maxTime = config.queryTimeoutMs;
      try {
        if (rollupGrain(query) !== undefined) {
          const report = await queryRollup(store, config.collection, query, maxTime);
          if (report) return report;
        }
        return await rawQueries(() =>
          queryUsage(store.collection<TelemetryDocument>(config.collection), query, maxTime),
        );
      } catch (error) {
        throw usageQueryError(error, maxTime);
      }
    },
    async close() {
      clearInterval(repairTimer);
      await rollups.settled();
      await repairing;
      await queryClient?.close().catch(() => {});
      await client.close();
    },
  };
}
