/** Typed errors. Retry, fallback and rendering code read these fields, never message strings. */

export type GatewayErrorType =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'payload_too_large'
  | 'rate_limited'
  | 'cancelled'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'unavailable'
  | 'internal';

const defaultStatus: Record<GatewayErrorType, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  payload_too_large: 413,
  rate_limited: 429,
  cancelled: 499,
  upstream_error: 502,
  upstream_timeout: 504,
  unavailable: 503,
  internal: 500,
};

export interface GatewayErrorOptions {
  status?: number;
  /** Stable machine-readable code, e.g. `model_not_found`, `circuit_open`. */
  code?: string;
  /** The request field at fault, when there is one. */
  param?: string;
  isRetryable?: boolean;
  /** How long the caller should wait before trying again. */
  retryAfterMs?: number;
  /** Headers the surface must send with the error (Retry-After, X-RateLimit-*). */
  headers?: Record<string, string>;
  /** HTTP status the upstream answered with, for upstream errors. */
  upstreamStatus?: number;
  /** The backend that failed, for upstream errors. */
  backend?: string;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly type: GatewayErrorType;
  readonly status: number;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly headers: Record<string, string>;
  readonly upstreamStatus: number | undefined;
  readonly backend: string | undefined;

  constructor(type: GatewayErrorType, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.type = type;
    this.status = options.status ?? defaultStatus[type];
    this.code = options.code;
    this.param = options.param;
    this.isRetryable = options.isRetryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.headers = options.headers ?? {};
    this.upstreamStatus = options.upstreamStatus;
    this.backend = options.backend;
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError || (value instanceof Error && value.name === 'GatewayError');
}

/** Wraps anything thrown into a GatewayError that is safe to show a client (no message leaks). */
export function toGatewayError(value: unknown): GatewayError {
  if (isGatewayError(value)) return value;
  if (value instanceof Error && value.name === 'AbortError') {
    return new GatewayError('cancelled', 'The request was cancelled', { cause: value });
  }
  return new GatewayError('internal', 'Internal gateway error', { cause: value });
}

/** Maps an upstream HTTP status to a typed error: what is retryable and what the client sees. */
export function upstreamHttpError(
  backend: string,
  upstreamStatus: number,
  upstreamMessage: string,
  retryAfterMs?: number,
): GatewayError {
  const message = `${backend} upstream error (${upstreamStatus}): ${upstreamMessage}`;
  const base = { upstreamStatus, backend, retryAfterMs };
  if (upstreamStatus === 429) {
    return new GatewayError('rate_limited', message, {
      ...base,
      code: 'upstream_rate_limited',
      isRetryable: true,
    });
  }
  if (upstreamStatus === 408) {
    return new GatewayError('upstream_timeout', message, { ...base, isRetryable: true });
  }
  if (upstreamStatus >= 500) {
    return new GatewayError('upstream_error', message, { ...base, isRetryable: true });
  }
  if (upstreamStatus === 404) {
    return new GatewayError('not_found', message, { ...base, code: 'model_not_found' });
  }
  if (upstreamStatus === 401 || upstreamStatus === 403) {
    // The gateway's own credentials were refused: the client cannot fix that, so it is a 502.
    return new GatewayError('upstream_error', `${backend} upstream rejected the gateway's credentials`, {
      ...base,
      code: 'upstream_auth_failed',
    });
  }
  if (upstreamStatus === 413) {
    return new GatewayError('payload_too_large', message, base);
  }
  return new GatewayError('invalid_request', message, { ...base, code: 'upstream_rejected_request' });
}

export function upstreamNetworkError(backend: string, cause: unknown): GatewayError {
  return new GatewayError('upstream_error', `${backend} upstream is unreachable`, {
    backend,
    code: 'upstream_unreachable',
    isRetryable: true,
    cause,
  });
}

export function upstreamTimeoutError(backend: string, cause?: unknown): GatewayError {
  return new GatewayError('upstream_timeout', `${backend} upstream timed out`, {
    backend,
    isRetryable: true,
    cause,
  });
}

/** Parses a Retry-After header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
