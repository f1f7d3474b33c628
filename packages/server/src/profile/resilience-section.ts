import { z } from 'zod';
import { envNumber } from './coerce.js';

/** Loose: the retry, breaker and fallback settings are added by the resilience stages. */
export const resilienceSection = z
  .looseObject({
    /** Per upstream call; for streams, the wait for the first part and between parts. */
    timeoutMs: envNumber(z.number().int().positive().default(60_000)),
  })
  .prefault({});
