import { randomUUID } from 'node:crypto';
import {
  GatewayError,
  isGatewayError,
  type Principal,
  principalKey,
  type TaskMetrics,
  type TaskState,
} from '@llm-gateway/spec';

/** `error_type` of a task that ran past its time limit (Celery's name, which the seed's workers raised). */
export const TIME_LIMIT_ERROR_TYPE = 'TimeLimitExceeded';

/** `error_type` of a task whose text grew past the queue's `maxResultBytes`. */
export const RESULT_TOO_LARGE_ERROR_TYPE = 'ResultTooLarge';

const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A new task id: a random UUID, the only form `isTaskId` accepts. */
export function newTaskId(): string {
  return randomUUID();
}

/** Whether `id` has the form the gateway issues; anything else (a store's own key names) never reaches a queue. */
export function isTaskId(id: unknown): id is string {
  return typeof id === 'string' && TASK_ID.test(id);
}

/** Whether a task is `principal`'s: compared by scheme-namespaced key, so equal ids of two schemes never match. */
export function isTaskOf(state: Pick<TaskState, 'owner'>, principal: Principal): boolean {
  return state.owner === principalKey(principal);
}

/** What a failed task keeps of its error: a client-safe message and an exception-style type name. */
export function taskError(error: unknown): { message: string; type: string } {
  if (!isGatewayError(error))
    return { message: 'Internal error while running the task', type: 'InternalError' };
  const type = error.type.replace(/(^|_)([a-z])/g, (_match, _sep, letter: string) => letter.toUpperCase());
  const message =
    error.status >= 500 && error.upstreamStatus !== undefined
      ? `Upstream LLM service error (status ${error.upstreamStatus})`
      : error.message;
  return { message, type: type.endsWith('Error') ? type : `${type}Error` };
}

/** The error a queue answers with when it holds `max` waiting tasks already (503 + Retry-After). */
export function queueFullError(max: number, retryAfterSeconds = 5): GatewayError {
  return new GatewayError('unavailable', `Task queue is full (${max} waiting); try again later`, {
    code: 'queue_full',
    retryAfterMs: retryAfterSeconds * 1000,
    isRetryable: true,
  });
}

/** The error a queue answers with when its store cannot take the task now (Redis away): 503 + Retry-After. */
export function queueUnavailableError(cause: unknown, retryAfterSeconds = 5): GatewayError {
  return new GatewayError('unavailable', 'Task queue is unavailable; try again later', {
    code: 'queue_unavailable',
    retryAfterMs: retryAfterSeconds * 1000,
    isRetryable: true,
    cause,
  });
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** The seed's metrics (seconds) from a finished task's times and usage. */
export function taskMetrics(
  state: Pick<TaskState, 'createdAt' | 'startedAt' | 'finishedAt' | 'usage'>,
): TaskMetrics {
  const finished = state.finishedAt ?? Date.now();
  const started = state.startedAt ?? finished;
  const processing = Math.max(0, finished - started) / 1000;
  const completion = state.usage?.completionTokens ?? 0;
  return {
    queue_wait_time: round(Math.max(0, started - state.createdAt) / 1000, 3),
    processing_time: round(processing, 3),
    total_time: round(Math.max(0, finished - state.createdAt) / 1000, 3),
    prompt_tokens: state.usage?.promptTokens ?? 0,
    completion_tokens: completion,
    tokens_per_second: processing > 0 ? round(completion / processing, 2) : 0,
  };
}

/** Whether a finished task is past its retention and must be treated as gone. */
export function isExpired(
  state: Pick<TaskState, 'finishedAt'>,
  retentionMs: number,
  now = Date.now(),
): boolean {
  return state.finishedAt !== undefined && now - state.finishedAt >= retentionMs;
}
