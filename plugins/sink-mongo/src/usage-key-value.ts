import { type TelemetryRecord, USAGE_KEY_FIELDS, type UsageKey } from '@llm-gateway/spec';

/** A record's value of a usage key; records from before `principal_key` existed count under their bare id. */
export function usageKeyValue(record: TelemetryRecord, key: UsageKey): string | null {
  const value =
    key === 'principal' ? (record.principal_key ?? record.principal_id) : record[USAGE_KEY_FIELDS[key]];
  return typeof value === 'string' ? value : null;
}
