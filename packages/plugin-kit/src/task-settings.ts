import { z } from '@llm-gateway/spec';
import { blankSetting } from './settings.js';

const positive = (fallback: number) =>
  z.preprocess(blankSetting, z.coerce.number().positive().default(fallback));
const count = (fallback: number) =>
  z.preprocess(blankSetting, z.coerce.number().int().positive().default(fallback));

/** A finished task's text is kept up to this many UTF-8 bytes by default (32k tokens of prose fit). */
export const DEFAULT_MAX_RESULT_BYTES = 262_144;

/** Finished tasks kept at most by default, oldest dropped first. */
export const DEFAULT_MAX_FINISHED = 1000;

/**
 * Settings every queue plugin shares: how long a task may run and how much the queue holds. A queue's
 * memory is bounded by maxQueued inputs (each under the server's bodyLimit) plus maxFinished results
 * (each under maxResultBytes); inputs are dropped once a task has finished.
 */
export const taskQueueSettings = {
  /** A task runs at most this long (TASK_TIME_LIMIT), then fails with `TimeLimitExceeded`. */
  timeLimitSeconds: positive(120),
  /** Finished tasks are kept this long, then removed. */
  retentionSeconds: positive(3600),
  /** Past this many waiting tasks, submit refuses with 503 + Retry-After. */
  maxQueued: count(10_000),
  /** At most this many finished tasks are kept; past it the oldest finished ones are dropped first. */
  maxFinished: count(DEFAULT_MAX_FINISHED),
  /** A task whose text grows past this many UTF-8 bytes is stopped and fails with `ResultTooLarge`. */
  maxResultBytes: count(DEFAULT_MAX_RESULT_BYTES),
};
