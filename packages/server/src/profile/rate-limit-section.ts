import { z } from 'zod';
import { envBoolean, envNumber } from './coerce.js';
import { storeField } from './store-field.js';

/**
 * Per-principal limits (RATE_LIMIT_REQUESTS_PER_MINUTE, RATE_LIMIT_ENABLED). These are the defaults;
 * a principal's own limits (e.g. a DSP client file's rate_limit) override them. 0 = unlimited.
 */
export const rateLimitSection = z
  .strictObject({
    enabled: envBoolean(z.boolean().default(true)),
    store: storeField(),
    requestsPerMinute: envNumber(z.number().nonnegative().default(0)),
    /** Most requests in a short burst; absent: the whole minute's allowance at once. */
    burst: envNumber(z.number().int().positive().optional()),
    tokensPerDay: envNumber(z.number().nonnegative().optional()),
    /** Redis key namespace, shared by every gateway instance of one deployment. */
    keyPrefix: z.string().min(1).default('llmgw:rl'),
  })
  .prefault({});

/**
 * A surface's own limits (`surfaces.<name>.rateLimit`), counted per principal on that surface alone. A key
 * left out is the top-level one's, except `burst`, which a surface setting its own rate does not inherit.
 */
export const surfaceRateLimitSection = z.strictObject({
  requestsPerMinute: envNumber(z.number().nonnegative().optional()),
  burst: envNumber(z.number().int().positive().optional()),
  tokensPerDay: envNumber(z.number().nonnegative().optional()),
});

export type RateLimitSettings = z.output<typeof rateLimitSection>;
export type SurfaceRateLimitSettings = z.output<typeof surfaceRateLimitSection>;

/** A surface's effective limits: its own keys over the top-level ones. */
export function surfaceLimits(
  top: Pick<RateLimitSettings, 'requestsPerMinute' | 'burst' | 'tokensPerDay'>,
  surface: SurfaceRateLimitSettings,
): SurfaceRateLimitSettings & { requestsPerMinute: number } {
  const burst = surface.burst ?? (surface.requestsPerMinute === undefined ? top.burst : undefined);
  const tokensPerDay = surface.tokensPerDay ?? top.tokensPerDay;
  return {
    requestsPerMinute: surface.requestsPerMinute ?? top.requestsPerMinute,
    ...(burst === undefined ? {} : { burst }),
    ...(tokensPerDay === undefined ? {} : { tokensPerDay }),
  };
}
