import { z } from 'zod';
import { envBoolean, envNumber } from './coerce.js';
import { storeField } from './store-field.js';

/** Response cache (CACHE_ENABLED, CACHE_TTL). Off unless a profile turns it on. */
export const cacheSection = z
  .strictObject({
    enabled: envBoolean(z.boolean().default(false)),
    store: storeField(),
    /** Lifetime of an entry. */
    ttlSeconds: envNumber(z.number().positive().default(3600)),
    /** Most entries the memory store keeps (least recently used go first). */
    maxEntries: envNumber(z.number().int().positive().default(1000)),
    /** Redis key prefix, so several deployments can share one Redis. */
    keyPrefix: z.string().min(1).default('llmgw:cache:'),
  })
  .prefault({});
