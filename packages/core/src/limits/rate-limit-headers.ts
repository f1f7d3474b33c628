import { GatewayError } from '@llm-gateway/spec';

export interface RateLimitState {
  /** The limit in force (requests per minute, or tokens per day). */
  limit: number;
  remaining: number;
  /** Until the window that limits the caller resets. */
  resetMs: number;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

const headerNames = new Map<string, readonly [string, string, string]>();

/** `X-RateLimit-*` headers; Reset is in seconds from now, like Retry-After. */
export function rateLimitHeaders(state: RateLimitState, suffix = ''): Record<string, string> {
  // Names built once per suffix: this runs on every request.
  let names = headerNames.get(suffix);
  if (!names) {
    names = [`X-RateLimit-Limit${suffix}`, `X-RateLimit-Remaining${suffix}`, `X-RateLimit-Reset${suffix}`];
    headerNames.set(suffix, names);
  }
  const headers: Record<string, string> = {};
  headers[names[0]] = String(state.limit);
  headers[names[1]] = String(Math.max(0, state.remaining));
  headers[names[2]] = String(seconds(state.resetMs));
  return headers;
}

/** The 429 a surface renders in its own shape, with Retry-After (at least 1 s) and the limit headers. */
export function rateLimitedError(
  state: RateLimitState,
  options: { message?: string; code?: string; headerSuffix?: string } = {},
): GatewayError {
  const retryAfter = Math.max(1, seconds(state.resetMs));
  return new GatewayError('rate_limited', options.message ?? 'Rate limit exceeded', {
    code: options.code ?? 'rate_limit_exceeded',
    retryAfterMs: retryAfter * 1000,
    headers: {
      'Retry-After': String(retryAfter),
      ...rateLimitHeaders({ ...state, remaining: 0 }, options.headerSuffix),
    },
  });
}
