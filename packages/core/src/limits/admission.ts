import { isGatewayError, principalKey, type RequestContext } from '@llm-gateway/spec';
import type { GatewayMetrics } from '../metrics.js';
import type { RateLimiter } from './rate-limiter.js';

export { principalKey };

/** Adds headers the response carries whatever its outcome (X-RateLimit-*, x-gateway-cache). */
export function addResponseHeaders(
  context: RequestContext,
  headers: Record<string, string> | undefined,
): void {
  if (!headers) return;
  context.annotations.responseHeaders ??= {};
  const target = context.annotations.responseHeaders;
  for (const name in headers) target[name] = headers[name]!;
}

/** Rate-limit admission of one request, shared by every pipeline operation (chat, stream, embeddings). */
export interface Admission {
  /**
   * Before anything else costs: reserves `tokens` from the day's budget, then one request of the
   * minute. Returns the tokens reserved, for {@link Admission.settle}.
   */
  admit(context: RequestContext, tokens: number): Promise<number>;
  /** One request of the minute, for a task being submitted (its tokens are reserved when it runs). */
  admitRequest(context: RequestContext): Promise<void>;
  /** Replaces the call's reservation by the tokens it used (0 on a failure or a cache hit: a refund). */
  settle(context: RequestContext, reserved: number, used: number): Promise<void>;
}

/** The profile's limiters: the default one, and each surface's own (its own limits and counts). */
export interface RateLimiters {
  rateLimiter?: RateLimiter | undefined;
  /** By surface instance name: that surface's requests are counted here, not by the default limiter. */
  surfaceRateLimiters?: ReadonlyMap<string, RateLimiter> | undefined;
}

/** Whether any request is rate limited at all. */
export function hasRateLimits(limiters: RateLimiters): boolean {
  return limiters.rateLimiter !== undefined || (limiters.surfaceRateLimiters?.size ?? 0) > 0;
}

export function createAdmission(limiters: RateLimiters, metrics?: GatewayMetrics): Admission {
  const surfaces = limiters.surfaceRateLimiters;
  // Chosen by the context's surface, so a task settles on the limiter its submission was counted by.
  const limiterFor = (context: RequestContext): RateLimiter | undefined =>
    surfaces?.get(context.surface) ?? limiters.rateLimiter;

  function refused(error: unknown, key: string, context: RequestContext): unknown {
    if (isGatewayError(error) && error.type === 'rate_limited') {
      const limit = error.code === 'token_limit_exceeded' ? 'tokens' : 'requests';
      metrics?.rateLimitRejections.inc({ surface: context.surface, limit });
      context.log.info({ principal: key, limit }, 'rate limit reached');
    }
    return error;
  }

  return {
    async admit(context, tokens) {
      const rateLimiter = limiterFor(context);
      if (!rateLimiter) return 0;
      const key = principalKey(context.principal);
      const limits = context.principal.limits;
      let reserved = 0;
      try {
        const reservation = await rateLimiter.reserveTokens(key, tokens, limits);
        reserved = reservation?.reserved ?? 0;
        // A task's request was counted when it was submitted (admitRequest); its tokens are counted here.
        if (!context.admitted)
          addResponseHeaders(context, (await rateLimiter.consumeRequest(key, limits)).headers);
        addResponseHeaders(context, reservation?.headers);
        return reserved;
      } catch (error) {
        if (reserved > 0) await rateLimiter.settleTokens(key, reserved, 0);
        throw refused(error, key, context);
      }
    },
    async admitRequest(context) {
      const rateLimiter = limiterFor(context);
      if (!rateLimiter) return;
      const key = principalKey(context.principal);
      try {
        addResponseHeaders(
          context,
          (await rateLimiter.consumeRequest(key, context.principal.limits)).headers,
        );
      } catch (error) {
        throw refused(error, key, context);
      }
    },
    async settle(context, reserved, used) {
      const rateLimiter = limiterFor(context);
      if (reserved === 0 || !rateLimiter) return;
      await rateLimiter.settleTokens(principalKey(context.principal), reserved, used);
    },
  };
}
