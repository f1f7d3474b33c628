import { z } from 'zod';
import { envBoolean, envNumber } from './coerce.js';

const retries = z
  .strictObject({
    /** Tries per target, the first one included (1 = no retries). */
    attempts: envNumber(z.number().int().min(1).default(3)),
    /** Backoff ceiling of the first retry; doubles per retry, full jitter. */
    baseDelayMs: envNumber(z.number().int().nonnegative().default(200)),
    /** Cap on the backoff. */
    maxDelayMs: envNumber(z.number().int().nonnegative().default(10_000)),
    /** Longest upstream Retry-After the gateway waits out itself; a longer one goes to the client. */
    maxRetryAfterMs: envNumber(z.number().int().nonnegative().default(10_000)),
  })
  .prefault({});

const circuitBreaker = z
  .strictObject({
    enabled: envBoolean(z.boolean().default(true)),
    /** Consecutive failed calls (after their retries) that open a backend's breaker. */
    failureThreshold: envNumber(z.number().int().min(1).default(5)),
    /** How long an open breaker fails fast before letting one trial call through. */
    resetTimeoutSeconds: envNumber(z.number().positive().default(60)),
  })
  .prefault({});

export const resilienceSection = z
  .strictObject({
    /** Per upstream call; for streams, the wait for the first part and between parts. */
    timeoutMs: envNumber(z.number().int().positive().default(60_000)),
    /** The same in seconds (e.g. LLM_TIMEOUT); wins over timeoutMs when set. */
    timeoutSeconds: envNumber(z.number().positive().optional()),
    retries,
    circuitBreaker,
  })
  .prefault({});

/** The per-call timeout a profile asks for, in milliseconds. */
export function callTimeoutMs(resilience: z.output<typeof resilienceSection>): number {
  return resilience.timeoutSeconds === undefined
    ? resilience.timeoutMs
    : Math.max(1, Math.round(resilience.timeoutSeconds * 1000));
}
