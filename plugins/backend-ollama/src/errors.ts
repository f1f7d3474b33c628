/** Maps what the ollama library throws to typed gateway errors. */

import {
  cancelledError,
  isNetworkFailure,
  isOwnCodeError,
  malformedResponseError,
  ownCodeFailedError,
  streamReportedError,
  streamTruncatedError,
  upstreamFailedError,
} from '@llm-gateway/openai-compatible';
import {
  type GatewayError,
  isGatewayError,
  parseRetryAfter,
  upstreamHttpError,
  upstreamNetworkError,
  upstreamTimeoutError,
} from '@llm-gateway/spec';

/**
 * `retryAfter` is the Retry-After header of the failed response, when one was seen (the library
 * drops headers from its ResponseError).
 */
export function mapOllamaError(backend: string, error: unknown, retryAfter?: string): GatewayError {
  if (isGatewayError(error)) return error;
  if (!(error instanceof Error)) return upstreamFailedError(backend, error);
  // The library's ResponseError is not exported, so match its shape.
  const status = (error as { status_code?: unknown }).status_code;
  if (error.name === 'ResponseError' && typeof status === 'number') {
    const message = (error as { error?: unknown }).error;
    return upstreamHttpError(
      backend,
      status,
      typeof message === 'string' ? message : error.message,
      parseRetryAfter(retryAfter),
    );
  }
  if (error.name === 'AbortError') return cancelledError(backend, error);
  if (error.name === 'TimeoutError') return upstreamTimeoutError(backend, error);
  if (isNetworkFailure(error)) return upstreamNetworkError(backend, error);
  if (error instanceof SyntaxError) return malformedResponseError(backend, error);
  if (isOwnCodeError(error)) return ownCodeFailedError(backend, error);
  if (/did not receive done/i.test(error.message)) return streamTruncatedError(backend, error);
  // An `{"error": ...}` line inside a stream: the library rethrows its text as a plain Error.
  return streamReportedError(backend, error.message, error);
}
