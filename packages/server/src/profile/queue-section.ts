import { z } from 'zod';
import { envNumber } from './coerce.js';
import { pluginInstance } from './plugin-section.js';

/**
 * Async mode: the task queue plugin (queue-memory, queue-bullmq) and how many tasks this process runs
 * at once. Absent: no async mode (surfaces that need it refuse to start).
 */
export const queueSection = pluginInstance
  .extend({
    /** Tasks this process runs at once; 0 makes an API-only instance (`gateway worker` runs them). */
    workers: envNumber(z.number().int().nonnegative().default(1)),
    /** Used, with a warning, when the queue above is switched off (e.g. queue-bullmq without REDIS_URL). */
    fallback: pluginInstance.optional(),
  })
  .optional();

export type QueueSection = z.output<typeof queueSection>;
