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
