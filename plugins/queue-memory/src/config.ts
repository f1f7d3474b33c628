import { blankSetting } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';

const positive = (fallback: number) =>
  z.preprocess(blankSetting, z.coerce.number().positive().default(fallback));

/** Settings every queue plugin shares: the time limit, retention and the bound on waiting tasks. */
export const configSchema = z.strictObject({
  /** A task runs at most this long (TASK_TIME_LIMIT), then fails with `TimeLimitExceeded`. */
  timeLimitSeconds: positive(120),
  /** Finished tasks are kept this long, then removed. */
  retentionSeconds: positive(3600),
  /** Past this many waiting tasks, submit refuses with 503 + Retry-After. */
  maxQueued: z.preprocess(blankSetting, z.coerce.number().int().positive().default(10_000)),
});

export type MemoryQueueConfig = z.output<typeof configSchema>;
