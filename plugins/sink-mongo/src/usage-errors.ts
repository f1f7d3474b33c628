import { GatewayError } from '@llm-gateway/spec';
import {
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
} from 'mongodb';

const MAX_TIME_EXPIRED = 50;

/** A usage query's store failure as the client should see it: a timeout is a 504, an unreachable store a 503. */
export function usageQueryError(error: unknown, queryTimeoutMs: number): unknown {
  const timedOut =
    error instanceof MongoNetworkTimeoutError ||
    (error instanceof MongoServerError && error.code === MAX_TIME_EXPIRED);
  if (timedOut) {
    return new GatewayError(
      'upstream_timeout',
      `The usage query ran past ${queryTimeoutMs} ms and was stopped; narrow the time range or filters, or query whole hours by at most one key (answered from the rollups)`,
      { code: 'usage_query_timeout', cause: error },
    );
  }
  if (error instanceof MongoServerSelectionError || error instanceof MongoNetworkError) {
    return new GatewayError('unavailable', 'The telemetry store is unreachable; retry later', {
      code: 'usage_store_unavailable',
      retryAfterMs: 5000,
      headers: { 'retry-after': '5' },
      cause: error,
    });
  }
  return error;
}
