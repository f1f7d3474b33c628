import type { TelemetryRecord } from '@llm-gateway/spec';

export interface RollupQueue {
  /** Queues stored records for the rollups; past `max` waiting records they are left out (and reported). */
  add(records: readonly TelemetryRecord[]): void;
  /** Resolves once everything queued so far is rolled up (or failed). */
  settled(): Promise<void>;
}

/**
 * Rolls up stored records behind the inserts, one write at a time, merging what waits into the next
 * write: a slow store gets fewer, larger rollups (one upsert per hour and key value) and never slows
 * the inserts the telemetry buffer waits on.
 */
export function createRollupQueue(
  write: (records: TelemetryRecord[]) => Promise<void>,
  overflow: (records: number) => void,
  max = 200_000,
): RollupQueue {
  let waiting: TelemetryRecord[] = [];
  let running: Promise<void> | undefined;
  const run = async () => {
    try {
      while (waiting.length > 0) {
        const records = waiting;
        waiting = [];
        await write(records);
      }
    } finally {
      running = undefined;
    }
  };
  return {
    add(records) {
      if (waiting.length + records.length > max) return overflow(records.length);
      waiting = waiting.concat(records);
      running ??= run();
    },
    settled: () => running ?? Promise.resolve(),
  };
}
