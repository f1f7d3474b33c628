import type { TelemetryRecord } from '@llm-gateway/spec';
import { latencyBucket } from './latency-histogram.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Derived at write time: the usage queries group on plain fields, the only kind FerretDB can group on. */
export interface UsageFields {
  hour: Date;
  day: Date;
  llm_bucket?: number;
  overhead_bucket: number;
  /** The sink write that stored the record (see rollup-journal.ts). */
  batch?: string;
}

export function usageFields(record: TelemetryRecord): UsageFields {
  const time = Date.parse(record.timestamp);
  const llm = record.llm_latency_ms;
  // Records from before the Server-Timing split exist only as total less LLM time.
  const overhead = record.gateway_overhead_ms ?? Math.max(0, record.latency_ms - (llm ?? 0));
  const hour = new Date(Math.floor(time / HOUR_MS) * HOUR_MS);
  const day = new Date(Math.floor(time / DAY_MS) * DAY_MS);
  // Built directly rather than spreading a temporary object: this runs for every stored record.
  return llm === undefined
    ? { hour, day, overhead_bucket: latencyBucket(overhead) }
    : { hour, day, llm_bucket: latencyBucket(llm), overhead_bucket: latencyBucket(overhead) };
}
