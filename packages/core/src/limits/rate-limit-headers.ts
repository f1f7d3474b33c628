import { GatewayError } from '@llm-gateway/spec';

export interface RateLimitState {
  /** The limit in force (requests per minute, or tokens per day). */
  limit: number;
  remaining: number;
  /** Until the window that limits the caller resets. */
  resetMs: number;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/** `X-RateLimit-*` headers; Reset is in seconds from now, like Retry-After. */
export function rateLimitHeaders(state: RateLimitState, suffix = ''): Record<string, string> {
  return {
    [`X-RateLimit-Limit${suffix}`]: String(state.limit),
    [`X-RateLimit-Remaining${suffix}`]: String(Math.max(0, state.remaining)),
    [`X-RateLimit-Reset${suffix}`]: String(seconds(state.resetMs)),
  };
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
