import { BSON, MongoBulkWriteError, MongoInvalidArgumentError } from 'mongodb';
import { DUPLICATE_KEY } from './duplicate-keys.js';

// Codes that say the server failed (shutdown, not primary, timeouts), not the document: the batch waits for the store.
const STORE_DOWN_CODES = new Set([6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/** How an unordered insert failed record by record: what was already stored, what the store refused. */
export interface InsertFailures {
  /** Positions whose `_id` was already stored (a retried or replayed record). */
  duplicates: Set<number>;
  /** Positions the store refused for the document itself (e.g. an invalid key), with its reason. */
  rejected: Map<number, string>;
}

/** The per-record failures of an unordered insertMany; undefined when the store itself failed (network, timeout...). */
export function insertFailures(error: unknown): InsertFailures | undefined {
  if (!(error instanceof MongoBulkWriteError) || error.writeConcernError) return undefined;
  if (error.hasErrorLabel('RetryableWriteError')) return undefined;
  const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  if (failures.length === 0) return undefined;
  const result: InsertFailures = { duplicates: new Set(), rejected: new Map() };
  for (const failure of failures) {
    if (failure.code === DUPLICATE_KEY) result.duplicates.add(failure.index);
    else if (STORE_DOWN_CODES.has(failure.code)) return undefined;
    else result.rejected.set(failure.index, `${failure.code}: ${failure.errmsg ?? 'refused'}`);
  }
  return result;
}

/** True when the driver could not encode or send the batch (a key with NUL, a document past 16 MiB): one document is at fault. */
export function encodingFailed(error: unknown): boolean {
  const cause = error instanceof MongoBulkWriteError ? error.errorResponse : error;
  return (
    BSON.BSONError.isBSONError(cause) ||
    cause instanceof RangeError ||
    cause instanceof MongoInvalidArgumentError
  );
}

// MongoDB's document size limit; the driver refuses a larger one before sending anything.
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** The documents the driver cannot encode, by position, with the encoder's reason. */
export function unencodable(documents: readonly object[]): Map<number, string> {
  const bad = new Map<number, string>();
  documents.forEach((document, index) => {
    try {
      if (BSON.calculateObjectSize(document) > MAX_DOCUMENT_BYTES)
        bad.set(index, 'document larger than 16 MiB');
      else BSON.serialize(document);
    } catch (error) {
      bad.set(index, `unencodable: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return bad;
}
