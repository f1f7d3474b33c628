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
}

export function usageFields(record: TelemetryRecord): UsageFields {
  const time = new Date(record.timestamp).getTime();
  const llm = record.llm_latency_ms;
  return {
    hour: new Date(Math.floor(time / HOUR_MS) * HOUR_MS),
    day: new Date(Math.floor(time / DAY_MS) * DAY_MS),
    ...(llm === undefined ? {} : { llm_bucket: latencyBucket(llm) }),
    // Records from before the Server-Timing split exist only as total less LLM time.
    overhead_bucket: latencyBucket(record.gateway_overhead_ms ?? Math.max(0, record.latency_ms - (llm ?? 0))),
  };
}
