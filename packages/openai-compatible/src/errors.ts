/** Maps what Stainless-generated SDKs (openai, groq-sdk) throw to typed gateway errors, by shape, not by class. */
import {
  GatewayError,
  isGatewayError,
  parseRetryAfter,
  upstreamHttpError,
  upstreamNetworkError,
  upstreamTimeoutError,
} from '@llm-gateway/spec';

/** Names of the constructors along an error's prototype chain (subclasses included). */
function classNames(value: object): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(value); proto && proto !== Object.prototype; ) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string') names.push(name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

function readHeader(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    const value: unknown = get.call(headers, name);
    return typeof value === 'string' ? value : undefined;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

/** Retry hint from `retry-after-ms` (OpenAI) or `retry-after` (seconds or HTTP date). */
export function retryAfterFromHeaders(headers: unknown, now = Date.now()): number | undefined {
  const ms = Number(readHeader(headers, 'retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  return parseRetryAfter(readHeader(headers, 'retry-after'), now);
}

/** The message an upstream error carries: `error.message`, an `error` string, or a top-level `message`. */
export function upstreamMessage(error: Record<string, unknown>): string {
  const body = error['error'];
  if (body && typeof body === 'object') {
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string' && message) return message;
  }
  if (typeof body === 'string' && body) return body;
  return typeof error['message'] === 'string' ? error['message'] : 'no message';
}

/** A fetch/socket-level failure (no HTTP answer): retryable as a network error. */
export function isNetworkFailure(error: Error): boolean {
  if (error.name === 'TypeError' && /fetch failed|terminated|network|socket/i.test(error.message))
    return true;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code);
}

export function cancelledError(backend: string, cause?: unknown): GatewayError {
  return new GatewayError('cancelled', `${backend} call was cancelled`, { backend, cause });
}

/**
 * A JavaScript runtime error (TypeError, RangeError, ...) that is not a network failure: the gateway's
 * own code or the SDK building the request broke (e.g. JSON.stringify overflowing on a deep body), so no
 * byte reached the upstream and the upstream is not to blame. Check network failures first.
 */
export function isOwnCodeError(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ReferenceError ||
    error instanceof EvalError ||
    error instanceof URIError
  );
}

/** The gateway's own failure: a 500 that never counts against the backend, is never retried or failed over. */
export function ownCodeFailedError(backend: string, cause: unknown): GatewayError {
  return new GatewayError('internal', 'Internal gateway error', { backend, code: 'gateway_error', cause });
}

/** A failure no more specific mapping names. */
export function upstreamFailedError(backend: string, cause: unknown): GatewayError {
  return new GatewayError('upstream_error', `${backend} upstream call failed`, { backend, cause });
}

/** An answer that did not parse: retryable, another attempt may get a whole one. */
export function malformedResponseError(backend: string, cause: unknown): GatewayError {
  return new GatewayError('upstream_error', `${backend} upstream sent a malformed response`, {
    backend,
    code: 'upstream_bad_response',
    isRetryable: true,
    cause,
  });
}

// One truncation error for every backend: the one the plugin-kit helpers of custom wires throw.
export { streamTruncatedError } from '@llm-gateway/plugin-kit';

/** An error the upstream reported inside its stream, with its message. */
export function streamReportedError(backend: string, message: string, cause?: unknown): GatewayError {
  return new GatewayError('upstream_error', `${backend} upstream error: ${message}`, {
    backend,
    code: 'upstream_stream_error',
    isRetryable: true,
    cause,
  });
}

/** An upstream's JSON (a body or an event's data) parsed; a malformed-response error when it is not JSON. */
export function parseUpstreamJson(backend: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformedResponseError(backend, error);
  }
}

/** The error an upstream's stream reports in an event, in the SDKs' shapes: `{error: {message}}`, `{error: "..."}`, `{message}`. */
export function eventReportedError(backend: string, data: unknown): GatewayError {
  const message =
    typeof data === 'object' && data !== null
      ? upstreamMessage(data as Record<string, unknown>)
      : 'no message';
  return streamReportedError(backend, message);
}

/**
 * Turns anything an OpenAI-compatible SDK throws into a GatewayError. The caller decides about
 * cancellation first (it knows whether its own signal fired); this only reads the error.
 */
export function mapOpenAICompatibleError(backend: string, error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  if (!error || typeof error !== 'object') {
    return upstreamFailedError(backend, error);
  }
  const fields = error as Record<string, unknown>;
  const names = classNames(error);
  const status = fields['status'];
  if (typeof status === 'number' && status >= 400) {
    return upstreamHttpError(
      backend,
      status,
      upstreamMessage(fields),
      retryAfterFromHeaders(fields['headers']),
    );
  }
  const errorName = error instanceof Error ? error.name : '';
  if (names.includes('APIUserAbortError') || errorName === 'AbortError')
    return cancelledError(backend, error);
  if (names.includes('APIConnectionTimeoutError') || errorName === 'TimeoutError') {
    return upstreamTimeoutError(backend, error);
  }
  if (names.includes('APIConnectionError')) return upstreamNetworkError(backend, error);
  // An `error` event inside an SSE stream: the SDK throws an APIError with no status.
  if (names.includes('APIError') && fields['error'] !== undefined) {
    return streamReportedError(backend, upstreamMessage(fields), error);
  }
  if (error instanceof SyntaxError) return malformedResponseError(backend, error);
  if (error instanceof Error && isNetworkFailure(error)) return upstreamNetworkError(backend, error);
  if (isOwnCodeError(error)) return ownCodeFailedError(backend, error);
  return upstreamFailedError(backend, error);
}
