import { blankSetting } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';

const positive = (fallback: number) =>
  z.preprocess(blankSetting, z.coerce.number().positive().default(fallback));

export const configSchema = z.strictObject({
  /** Redis shared by every gateway instance and worker (REDIS_URL); blank switches the queue off. */
  url: z.preprocess(
    blankSetting,
    z
      .string()
      .regex(/^rediss?:\/\//, 'A redis:// or rediss:// URL')
      .optional(),
  ),
  /** Key namespace, so several deployments can share one Redis. */
  prefix: z.string().min(1).default('llmgw'),
  queueName: z.string().min(1).default('tasks'),
  /** A task runs at most this long (TASK_TIME_LIMIT), then fails with `TimeLimitExceeded`. */
  timeLimitSeconds: positive(120),
  /** Finished tasks are kept this long, then removed. */
  retentionSeconds: positive(3600),
  /** Past this many waiting tasks, submit refuses with 503 + Retry-After. */
  maxQueued: z.preprocess(blankSetting, z.coerce.number().int().positive().default(10_000)),
  /** A running task's text and status reach Redis (and `/stream` viewers) at most this often. */
  progressIntervalMs: z.preprocess(blankSetting, z.coerce.number().int().positive().default(50)),
  /** A worker that stops renewing its lock this long (killed, frozen) loses the task to another worker. */
  lockSeconds: positive(30),
  /** How often workers look for tasks whose worker died. */
  stalledIntervalSeconds: positive(15),
  /** How many times a task whose worker died is run again before it fails. */
  maxStalledCount: z.preprocess(blankSetting, z.coerce.number().int().nonnegative().default(2)),
});

export type BullmqQueueConfig = z.output<typeof configSchema>;
