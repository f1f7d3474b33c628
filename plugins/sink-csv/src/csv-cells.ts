import { TELEMETRY_FIELDS, type TelemetryRecord } from '@llm-gateway/spec';

type Field = (typeof TELEMETRY_FIELDS)[number];

const numbers = new Set<Field>([
  'status_code',
  'latency_ms',
  'llm_latency_ms',
  'time_to_first_token_ms',
  'gateway_overhead_ms',
  'queue_wait_ms',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'request_size',
  'response_size',
  'retries',
]);
const flags = new Set<Field>(['tokens_estimated', 'cache_hit', 'fallback']);

// A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection).
const formula = /^'*[=+\-@\t\r]/;
const neutralised = /^'+[=+\-@\t\r]/;

/** Prefixes `'` to a text cell a spreadsheet would run; reversible, since quotes already there get one more. */
export function neutralise(text: string): string {
  return formula.test(text) ? `'${text}` : text;
}

export function restore(text: string): string {
  return neutralised.test(text) ? text.slice(1) : text;
}

/** One CSV row: every field a column, in TELEMETRY_FIELDS order, `event` as JSON. */
export function toRow(record: TelemetryRecord): string[] {
  return TELEMETRY_FIELDS.map((field) => {
    const value = record[field];
    if (value === undefined || value === null) return '';
    if (field === 'event') return JSON.stringify(value);
    if (typeof value === 'string') return neutralise(value);
    return String(value);
  });
}

/** The record a row stands for; blank cells are absent fields. */
export function fromRow(row: Record<string, string>): TelemetryRecord {
  const record: Record<string, unknown> = {};
  for (const field of TELEMETRY_FIELDS) {
    const cell = row[field];
    if (cell === undefined || cell === '') continue;
    if (numbers.has(field)) record[field] = Number(cell);
    else if (flags.has(field)) record[field] = cell === 'true';
    else if (field === 'event') record[field] = JSON.parse(cell);
    else record[field] = restore(cell);
  }
  return record as unknown as TelemetryRecord;
}
