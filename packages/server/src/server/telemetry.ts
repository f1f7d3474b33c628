import { type Logger, principalKey, type TelemetryRecord } from '@llm-gateway/spec';
import { isoTime } from './iso-time.js';
import type { RequestEnd } from './request-state.js';
import { roundMs } from './server-timing.js';

/** Where request records go. Today: the debug log and a count; sinks and batching plug in here. */
export interface TelemetryEmitter {
  emit(record: TelemetryRecord): void;
  /** Counts a record but builds it (calls `make`) only when something reads it: a sink or debug logging. */
  emitLazily(make: () => TelemetryRecord | undefined): void;
  /** Records emitted since start. */
  readonly count: number;
}

type LevelAware = Logger & { isLevelEnabled?: (level: string) => boolean };

export function createTelemetryEmitter(
  log: Logger,
  forward?: (record: TelemetryRecord) => void,
): TelemetryEmitter {
  let count = 0;
  const logged = log as LevelAware;
  // Asked per record: the log level may change while the gateway runs.
  const wanted = () => forward !== undefined || logged.isLevelEnabled?.('debug') !== false;
  const emit = (record: TelemetryRecord) => {
    count += 1;
    log.debug({ telemetry: record }, 'telemetry record');
    forward?.(record);
  };
  return {
    emit,
    emitLazily(make) {
      if (!wanted()) {
        count += 1;
        return;
      }
      const record = make();
      if (record) emit(record);
    },
    get count() {
      return count;
    },
  };
}

function size(value: unknown): number | undefined {
  const number = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(number) && value !== undefined ? number : undefined;
}

/** The record of a request no route matched (a 404 the gateway itself answered). */
export function unmatchedRecord({ request, reply, completed, durationMs }: RequestEnd): TelemetryRecord {
  return {
    request_id: request.id,
    timestamp: isoTime(Date.now() - durationMs),
    surface: request.gateway.surface ?? 'gateway',
    endpoint: request.url.split('?')[0] ?? '/',
    method: request.method,
    status_code: completed ? reply.statusCode : 499,
    principal_kind: 'anonymous',
    principal_key: 'anonymous',
    latency_ms: roundMs(durationMs),
    ...gatewayOverhead(request),
    error_type: 'not_found',
  };
}

/** The Server-Timing split's gateway part, when the response head went out. */
function gatewayOverhead(request: RequestEnd['request']): Pick<TelemetryRecord, 'gateway_overhead_ms'> {
  const ms = request.gateway?.gatewayMs;
  return ms === undefined ? {} : { gateway_overhead_ms: roundMs(ms) };
}

/** The one record of a surface request, from its context and annotations; `undefined` for other routes. */
export function requestRecord({
  request,
  reply,
  completed,
  durationMs,
}: RequestEnd): TelemetryRecord | undefined {
  const context = request.gateway?.context;
  if (!context) return undefined;
  const a = context.annotations;
  const principal = context.principal;
  const record: TelemetryRecord = {
    request_id: context.requestId,
    timestamp: isoTime(Date.now() - durationMs),
    surface: context.surface,
    endpoint: context.endpoint,
    method: request.method,
    status_code: completed ? reply.statusCode : 499,
    principal_id: principal.id,
    principal_kind: principal.kind,
    // Usage counts by it: a JWT subject equal to an API key's id is another principal.
    principal_key: principalKey(principal),
    latency_ms: roundMs(durationMs),
    ...gatewayOverhead(request),
  };
  const projectName = a.projectName ?? principal.attributes?.project_name;
  if (projectName) record.project_name = projectName;
  if (a.backend) record.target_service = a.backend;
  if (a.model ?? a.requestedModel) record.model = a.model ?? a.requestedModel;
  if (a.llmLatencyMs !== undefined) record.llm_latency_ms = roundMs(a.llmLatencyMs);
  if (a.timeToFirstTokenMs !== undefined) record.time_to_first_token_ms = roundMs(a.timeToFirstTokenMs);
  if (a.usage) {
    record.prompt_tokens = a.usage.promptTokens;
    record.completion_tokens = a.usage.completionTokens;
    record.total_tokens = a.usage.totalTokens;
    record.tokens_estimated = a.usage.estimated === true;
  }
  if (a.costUsd !== undefined) record.cost_usd = a.costUsd;
  const requestSize = size(request.headers['content-length']);
  if (requestSize !== undefined) record.request_size = requestSize;
  const responseSize = size(reply.getHeader('content-length'));
  if (responseSize !== undefined) record.response_size = responseSize;
  if (a.cacheHit !== undefined) record.cache_hit = a.cacheHit;
  if (a.retries !== undefined) record.retries = a.retries;
  if (a.fallback !== undefined) record.fallback = a.fallback;
  const errorType = a.errorType ?? (completed ? undefined : 'cancelled');
  if (errorType) record.error_type = errorType;
  if (a.event) record.event = a.event;
  return record;
}
