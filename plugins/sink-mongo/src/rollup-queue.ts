import type { TelemetryRecord } from '@llm-gateway/spec';

/** One sink write's stored records, rolled up under its batch id. */
export interface StoredBatch {
  batch: string;
  records: readonly TelemetryRecord[];
}

export interface RollupQueue {
  /** Queues a stored batch for the rollups; past `max` waiting records it is left to the journal's repair (reported). */
  add(stored: StoredBatch): void;
  /** Resolves once everything queued so far is rolled up (or failed). */
  settled(): Promise<void>;
}

/**
 * Rolls up stored batches behind the inserts, one write at a time, so a slow store never slows the
 * inserts the telemetry buffer waits on. Batches stay apart: each is applied once under its own id.
 */
export function createRollupQueue(
  write: (stored: StoredBatch) => Promise<void>,
  overflow: (records: number) => void,
  max = 200_000,
): RollupQueue {
  const waiting: StoredBatch[] = [];
  let count = 0;
  let running: Promise<void> | undefined;
  const run = async () => {
    try {
      for (let next = waiting.shift(); next; next = waiting.shift()) {
        count -= next.records.length;
        await write(next);
      }
    } finally {
      running = undefined;
    }
  };
  return {
    add(stored) {
      if (count + stored.records.length > max) return overflow(stored.records.length);
      waiting.push(stored);
      count += stored.records.length;
      running ??= run();
    },
    settled: () => running ?? Promise.resolve(),
  };
}
