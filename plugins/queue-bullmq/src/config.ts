import { blankSetting, taskQueueSettings } from '@llm-gateway/plugin-kit';
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
  /** Key namespace; blank: `llmgw:<service.name>`, so deployments sharing one Redis never share tasks. */
  prefix: z.preprocess(blankSetting, z.string().min(1).optional()),
  queueName: z.preprocess(
    blankSetting,
    z
      .string()
      .min(1)
      .regex(/^[^:]+$/, 'A queue name without ":" (BullMQ refuses it)')
      .default('tasks'),
  ),
  ...taskQueueSettings,
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

/** The key prefix of a deployment that set none: its `service.name` (key-safe), under `llmgw:`. */
export function defaultPrefix(deployment: string | undefined): string {
  const name = deployment?.trim().replace(/[^A-Za-z0-9._-]+/g, '-');
  return name ? `llmgw:${name}` : 'llmgw';
}
