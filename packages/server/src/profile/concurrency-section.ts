import { z } from 'zod';
import { envNumber } from './coerce.js';

/** Global cap on concurrent upstream calls (MAX_CONCURRENCY); 0 = no cap. */
export const concurrencySection = z
  .strictObject({
    maxConcurrent: envNumber(z.number().int().nonnegative().default(0)),
    /** Requests that may wait for a slot; beyond that they get a 503 at once. */
    maxQueue: envNumber(z.number().int().nonnegative().default(100)),
    /** Longest wait for a slot before a 503. */
    queueTimeoutMs: envNumber(z.number().int().positive().default(5000)),
  })
  .prefault({});
