/** What a usage query can filter and group on, by API name; a store maps each to its record field. */
export const USAGE_KEYS = ['principal', 'project', 'model', 'backend', 'surface'] as const;
export type UsageKey = (typeof USAGE_KEYS)[number];

/**
 * The record field behind each usage key (`backend` is the record's `target_service`); a principal is
 * counted by its scheme-namespaced `principal_key`, so equal ids from two auth schemes never merge.
 */
export const USAGE_KEY_FIELDS = {
  principal: 'principal_key',
  project: 'project_name',
  model: 'model',
  backend: 'target_service',
  surface: 'surface',
} as const satisfies Record<UsageKey, string>;

export type UsageBucket = 'hour' | 'day';

export interface UsageQuery {
  /** Inclusive start, exclusive end (record timestamps). */
  from?: Date;
  to?: Date;
  /** Exact-match filters. */
  filters: Partial<Record<UsageKey, string>>;
  /** Rows per time bucket (UTC hour or day), absent: one row per key combination over the whole range. */
  bucket?: UsageBucket;
  groupBy: readonly UsageKey[];
}

export interface LatencyPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface UsageFigures {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** USD summed over the records' `cost_usd` (records without one count 0). */
  cost_usd: number;
  /** Failed requests by `error_type`. */
  errors: Record<string, number>;
  cache_hits: number;
  /** cache_hits / requests (0 without requests). */
  cache_hit_rate: number;
  /** Upstream time, and the rest of the request's time (latency_ms - llm_latency_ms). */
  llm_latency_ms: LatencyPercentiles;
  gateway_overhead_ms: LatencyPercentiles;
}

export interface UsageRow extends UsageFigures {
  /** ISO start of the hour or day, when the query has a bucket. */
  bucket?: string;
  /** The group's value of each `groupBy` key (`null`: records without one). */
  keys: Partial<Record<UsageKey, string | null>>;
}

export interface UsageReport {
  /** What answered: pre-aggregated hourly rollups, or the raw records (a store that has no rollups omits it). */
  source?: 'rollup' | 'records';
  totals: UsageFigures;
  rows: UsageRow[];
}
