import { MongoBulkWriteError } from 'mongodb';

export const DUPLICATE_KEY = 11000;

/** The positions, in an unordered bulk write, of the operations a duplicate key stopped; undefined if anything else failed. */
export function duplicateKeyFailures(error: unknown): Set<number> | undefined {
  if (!(error instanceof MongoBulkWriteError)) return undefined;
  const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  if (failures.length === 0 || !failures.every((failure) => failure.code === DUPLICATE_KEY)) return undefined;
  return new Set(failures.map((failure) => failure.index));
}

/** True when every failure of an unordered insert is a duplicate key: those records are already stored. */
export function onlyDuplicates(error: unknown): boolean {
  return duplicateKeyFailures(error) !== undefined;
}
