import { z } from 'zod';
import { envBoolean } from './coerce.js';

/** `a, b` (e.g. `${GATEWAY_ADMIN_KEYS:-}`) as a list; blank means none. */
function keyList(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
}

/**
 * The operator's side (`/admin/*`: usage API, dashboard): its own Bearer keys, never a client's
 * credentials. Without keys `/admin/*` is not served at all (404).
 */
export const adminSection = z
  .strictObject({
    /** Admin keys (GATEWAY_ADMIN_KEYS, comma-separated), at least 16 characters each. */
    keys: z.preprocess(
      keyList,
      z.array(z.string().min(16, 'An admin key needs at least 16 characters')).default([]),
    ),
    /** `/metrics` answers only with an admin key (off: the seeds serve it openly). */
    protectMetrics: envBoolean(z.boolean().default(false)),
    /** `/health` and `/info` show their detailed parts (breakers, queue, sinks) only with an admin key. */
    protectDetails: envBoolean(z.boolean().default(false)),
  })
  .prefault({});

export type AdminSettings = z.infer<typeof adminSection>;
