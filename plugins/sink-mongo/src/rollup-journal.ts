import { randomBytes } from 'node:crypto';
import type { TelemetryRecord } from '@llm-gateway/spec';
import type { Db } from 'mongodb';
import { fromDocument, type TelemetryDocument } from './telemetry-document.js';

/**
 * A sink write's rollup work, journaled before its records are inserted and removed once its rollups
 * landed: what a store failure (or a killed gateway) left out of the rollups is found here and redone.
 */
export interface PendingBatch {
  _id: string;
  /** The request ids the write tried to insert; those it stored carry `usage.batch = _id`. */
  ids: string[];
  at: Date;
}

export const pendingName = (collection: string) => `${collection}_rollup_pending`;

export const newBatchId = () => randomBytes(9).toString('base64url');

export function journal(db: Db, collection: string) {
  const pending = db.collection<PendingBatch>(pendingName(collection));
  return {
    open: (batch: string, records: readonly TelemetryRecord[]) =>
      pending.insertOne({ _id: batch, ids: records.map((record) => record.request_id), at: new Date() }),
    close: (batch: string) => pending.deleteOne({ _id: batch }).then(() => undefined),
    /** Batches older than `before`: their writer failed or died (a live one closes its batch within seconds). */
    stale: (before: Date, limit: number) =>
      pending
        .find({ at: { $lt: before } })
        .limit(limit)
        .toArray(),
    /** Exactly the records that batch stored: a record it found already stored was counted by its own batch. */
    async storedBy(batch: PendingBatch): Promise<TelemetryRecord[]> {
      const docs = await db
        .collection<TelemetryDocument>(collection)
        .find({ _id: { $in: batch.ids }, 'usage.batch': batch._id })
        .toArray();
      return docs.map(fromDocument);
    },
  };
}
