import type { Logger, TelemetryRecord } from '@llm-gateway/spec';
import { createRateLimitedLog, fsFacts } from './rate-limited-log.js';

export interface TelemetryBufferOptions {
  batchSize: number;
  flushIntervalMs: number;
  maxBuffered: number;
  /** Stores one batch or throws; the batch then stays at the head and is retried on the next tick. */
  write(batch: TelemetryRecord[]): Promise<void>;
  onDrop(): void;
  log: Logger;
}

export interface TelemetryBuffer {
  /** Never waits: queues the record, or counts it as dropped when the buffer is full. */
  push(record: TelemetryRecord): void;
  readonly depth: number;
  readonly dropped: number;
  /** Writes everything held, batch by batch; stops at `deadline` (epoch ms) or when no sink takes a batch. */
  flush(deadline?: number): Promise<void>;
  stop(): void;
}

const DROP_LOG_INTERVAL_MS = 1000;

/** Bounded in-memory buffer written in batches by count and by time, one batch at a time. */
export function createTelemetryBuffer(options: TelemetryBufferOptions): TelemetryBuffer {
  const { batchSize, maxBuffered, log } = options;
  let records: TelemetryRecord[] = [];
  let draining: Promise<boolean> | undefined;
  let dropped = 0;
  // One line a second at most: a flood of identical errors would bury the cause.
  const dropLog = createRateLimitedLog(log, DROP_LOG_INTERVAL_MS);
  // Every sink failing (a full disk under the last one) fails each retry the same way: logged now and then.
  const failLog = createRateLimitedLog(log);

  // Writes batches while enough records wait (`all`: while any wait); false when a write failed.
  const writeBatches = async (all: boolean): Promise<boolean> => {
    try {
      while (records.length >= (all ? 1 : batchSize)) {
        const batch = records.slice(0, batchSize);
        await options.write(batch);
        records = records.slice(batch.length);
      }
      return true;
    } catch (error) {
      failLog(
        'warn',
        { ...fsFacts(error), waiting: records.length },
        'telemetry batch not stored; kept for the next try',
      );
      return false;
    }
  };
  // One drain at a time; cleared in a later microtask, so an empty run cannot leave it set forever.
  const drain = (all: boolean): Promise<boolean> => {
    draining ??= writeBatches(all).finally(() => {
      draining = undefined;
    });
    return draining;
  };

  const timer = setInterval(() => void drain(true), options.flushIntervalMs);
  timer.unref();

  const drop = () => {
    dropped += 1;
    options.onDrop();
    dropLog('error', { dropped, buffered: records.length }, 'telemetry buffer full: records dropped');
  };

  return {
    push(record) {
      if (records.length >= maxBuffered) return drop();
      records.push(record);
      if (records.length >= batchSize && !draining) void drain(false);
    },
    get depth() {
      return records.length;
    },
    get dropped() {
      return dropped;
    },
    async flush(deadline = Number.POSITIVE_INFINITY) {
      while (records.length > 0 && Date.now() < deadline) {
        if (draining) await draining;
        else if (!(await drain(true))) break;
      }
      if (records.length > 0) log.error({ lost: records.length }, 'telemetry records not stored at shutdown');
    },
    stop: () => clearInterval(timer),
  };
}
