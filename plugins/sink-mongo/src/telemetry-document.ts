import type { TelemetryRecord } from '@llm-gateway/spec';
import { type UsageFields, usageFields } from './usage-fields.js';

/** The stored form: `_id` is the request id, so a repeated write stores nothing twice. */
export interface TelemetryDocument extends Omit<TelemetryRecord, 'timestamp'> {
  _id: string;
  timestamp: Date;
  /** What the usage queries group on (absent from records stored before they existed). */
  usage?: UsageFields;
}

/** `batch`: the write that stores it, so that write's rollups can be redone from exactly its records. */
export function toDocument(record: TelemetryRecord, batch?: string): TelemetryDocument {
  const usage = usageFields(record);
  return {
    _id: record.request_id,
    ...record,
    timestamp: new Date(record.timestamp),
    usage: batch === undefined ? usage : { ...usage, batch },
  };
}

export function fromDocument({ _id, timestamp, usage: _usage, ...rest }: TelemetryDocument): TelemetryRecord {
  return { ...rest, timestamp: timestamp.toISOString() };
}
