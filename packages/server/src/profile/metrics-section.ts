import { z } from 'zod';
import { envBoolean } from './coerce.js';

export const metricsSection = z
  .strictObject({
    enabled: envBoolean(z.boolean().default(true)),
    /** What `/metrics` answers when neither `?format=` nor `Accept` chooses. */
    defaultFormat: z.enum(['prometheus', 'json']).default('prometheus'),
    /** Node process metrics (event loop lag, heap, GC). */
    defaultMetrics: envBoolean(z.boolean().default(true)),
  })
  .prefault({});
