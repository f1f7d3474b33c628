import type { PluginDefinition, PluginHost } from './plugin.js';
import type { UsageQuery, UsageReport } from './telemetry-usage.js';

/** One record per request through any surface. Snake case: it is stored and exported as is. */
export interface TelemetryRecord {
  request_id: string;
  timestamp: string;
  surface: string;
  endpoint: string;
  method: string;
  status_code: number;
  principal_id?: string;
  principal_kind?: string;
  /** `principalKey(principal)` (`<scheme>:<id>`): what usage counts by, so two schemes' equal ids never merge. */
  principal_key?: string;
  project_name?: string;
  target_service?: string;
  model?: string;
  latency_ms: number;
  llm_latency_ms?: number;
  time_to_first_token_ms?: number;
  /** The gateway's own time: to the response head, less the upstream attempts' time (the Server-Timing split). */
  gateway_overhead_ms?: number;
  queue_wait_ms?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  tokens_estimated?: boolean;
  /** USD at the backend's model prices (profile `pricing`, else the maintained table); 0 for a cache hit. */
  cost_usd?: number;
  request_size?: number;
  response_size?: number;
  cache_hit?: boolean;
  retries?: number;
  fallback?: boolean;
  error_type?: string;
  /** Custom events (dgen-ping's POST /telemetry) carry their own fields here. */
  event?: Record<string, unknown>;
}

/** Every field of a record, in the order exports (CSV columns) list them. */
export const TELEMETRY_FIELDS = [
  'request_id',
  'timestamp',
  'surface',
  'endpoint',
  'method',
  'status_code',
  'principal_id',
  'principal_kind',
  'project_name',
  'target_service',
  'model',
  'latency_ms',
  'llm_latency_ms',
  'time_to_first_token_ms',
  'queue_wait_ms',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'tokens_estimated',
  'request_size',
  'response_size',
  'cache_hit',
  'retries',
  'fallback',
  'error_type',
  'event',
  // Last, so rows appended to a CSV file started before it existed keep their columns in place.
  'gateway_overhead_ms',
  'principal_key',
  'cost_usd',
] as const satisfies readonly (keyof TelemetryRecord)[];

/** Records a spooling sink holds for a store that was down, one unit (a file) at a time. */
export interface SpooledRecords {
  /** Where they are, for logs (e.g. the file name). */
  readonly name: string;
  /** The records in batches of at most `size`, read lazily so a big spool never sits in memory. */
  batches(size: number): AsyncIterable<TelemetryRecord[]>;
  /** Called once every batch reached the store: moves the unit aside so it is never replayed twice. */
  done(): Promise<void>;
}

/** A record a store refused on its own (a key the store cannot hold), not because the store is down. */
export interface RejectedRecord {
  record: TelemetryRecord;
  /** The store's reason, for the quarantine file and logs. */
  reason: string;
}

/** What a write stored: all of the batch but `rejected`, which the caller quarantines. */
export interface SinkWriteResult {
  rejected: RejectedRecord[];
}

export interface TelemetrySink {
  readonly name: string;
  /**
   * Writes the whole batch or throws (store down: the caller falls back to the next sink); repeated records
   * store once. Records the store refuses one by one come back in `rejected` while the rest are stored.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: sinks that never reject a record keep resolving to void.
  write(batch: TelemetryRecord[]): Promise<void | SinkWriteResult>;
  healthy?(): Promise<boolean>;
  /** A last-resort sink (CSV) lists what it holds, so it is replayed into a store when one is back. */
  spooled?(): Promise<SpooledRecords[]>;
  /** A store that can aggregate what it holds answers the usage API (`GET /admin/usage`). */
  usage?(query: UsageQuery): Promise<UsageReport>;
  close(): Promise<void>;
}

/** What the gateway reports about its telemetry path (/health, /info, /metrics). */
export interface TelemetryStatus {
  /** The sink batches go to now (`null`: none configured or none healthy). */
  store: string | null;
  sinks: { name: string; healthy: boolean; last_error: string | null; written: number }[];
  /** Records waiting in memory for a sink. */
  buffered: number;
  recorded: number;
  written: number;
  dropped: number;
  replayed: number;
  failovers: number;
  /** Records a store refused one by one, kept on disk in the quarantine (never retried automatically). */
  quarantined?: number;
  /** Where quarantined records are kept (a directory), when a quarantine is configured. */
  quarantine_dir?: string;
  /** Records lost for good (e.g. no disk space for the quarantine or the last-resort sink), counted never silently. */
  lost?: number;
}

export type SinkPlugin<Config = unknown> = PluginDefinition<'sink', Config, TelemetrySink, PluginHost>;
