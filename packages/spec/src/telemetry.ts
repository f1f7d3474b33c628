import type { PluginDefinition, PluginHost } from './plugin.js';

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
  project_name?: string;
  target_service?: string;
  model?: string;
  latency_ms: number;
  llm_latency_ms?: number;
  time_to_first_token_ms?: number;
  queue_wait_ms?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  tokens_estimated?: boolean;
  request_size?: number;
  response_size?: number;
  cache_hit?: boolean;
  retries?: number;
  fallback?: boolean;
  error_type?: string;
  /** Custom events (dgen-ping's POST /telemetry) carry their own fields here. */
  event?: Record<string, unknown>;
}

export interface TelemetrySink {
  readonly name: string;
  /** Writes the whole batch or throws; the caller falls back to the next sink. */
  write(batch: TelemetryRecord[]): Promise<void>;
  healthy?(): Promise<boolean>;
  close(): Promise<void>;
}

export type SinkPlugin<Config = unknown> = PluginDefinition<'sink', Config, TelemetrySink, PluginHost>;
