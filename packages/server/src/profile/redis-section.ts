import { z } from 'zod';
import { envNumber, optionalString } from './coerce.js';

/**
 * One shared Redis connection (REDIS_URL) for the cache and the rate limiter when their store is
 * `redis` (or `auto`). Unset: every store stays in memory.
 */
export const redisSection = z
  .strictObject({
    url: optionalString(),
    /** A connection attempt fails after this long; the client keeps reconnecting in the background. */
    connectTimeoutMs: envNumber(z.number().int().positive().default(1000)),
    /** A command fails after this long, so a hung Redis never stalls a request. */
    commandTimeoutMs: envNumber(z.number().int().positive().default(500)),
  })
  .prefault({});
