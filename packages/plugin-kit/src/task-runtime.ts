import type { TaskEvent, TaskHandler, TaskInput, TaskState, Usage } from '@llm-gateway/spec';
import { RESULT_TOO_LARGE_ERROR_TYPE, TIME_LIMIT_ERROR_TYPE, taskError } from './task-helpers.js';

export type TaskOutcome =
  | { ok: true; text: string; usage: Usage }
  | { ok: false; error: { message: string; type: string } };

function resultTooLarge(maxBytes: number): TaskOutcome {
  return {
    ok: false,
    error: {
      message: `The task's text grew past the ${maxBytes}-byte limit of this task queue; ask for fewer tokens`,
      type: RESULT_TOO_LARGE_ERROR_TYPE,
    },
  };
}

/**
 * Runs one task under its time limit: past it the handler's signal fires and the task fails with
 * `TimeLimitExceeded`, whether or not the handler honours the signal. Text past `maxResultBytes` stops
 * the run the same way (the upstream call is aborted) and fails it with `ResultTooLarge`. Never throws.
 */
export async function runTaskHandler(
  handler: TaskHandler,
  input: TaskInput,
  options: {
    taskId: string;
    enqueuedAt?: number;
    timeLimitMs: number;
    delta(text: string): void | Promise<void>;
    signal?: AbortSignal;
    maxResultBytes?: number;
  },
): Promise<TaskOutcome> {
  const maxBytes = options.maxResultBytes ?? Number.POSITIVE_INFINITY;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const seconds = options.timeLimitMs / 1000;
  const limit = new Promise<TaskOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('time limit'));
      resolve({
        ok: false,
        error: { message: `Task exceeded the time limit of ${seconds} seconds`, type: TIME_LIMIT_ERROR_TYPE },
      });
    }, options.timeLimitMs);
  });
  let streamedBytes = 0;
  let overflow: (outcome: TaskOutcome) => void = () => {};
  const overflowed = new Promise<TaskOutcome>((resolve) => {
    overflow = resolve;
  });
  const delta = (text: string) => {
    if (controller.signal.aborted) return undefined;
    streamedBytes += Buffer.byteLength(text);
    if (streamedBytes <= maxBytes) return options.delta(text);
    controller.abort(new Error('result too large'));
    overflow(resultTooLarge(maxBytes));
    return undefined;
  };
  const run = (async (): Promise<TaskOutcome> => {
    try {
      const progress = {
        taskId: options.taskId,
        ...(options.enqueuedAt === undefined ? {} : { enqueuedAt: options.enqueuedAt }),
        signal: controller.signal,
        delta,
      };
      const { text, usage } = await handler(input, progress);
      if (Buffer.byteLength(text) > maxBytes) return resultTooLarge(maxBytes);
      return { ok: true, text, usage };
    } catch (error) {
      return { ok: false, error: taskError(error) };
    }
  })();
  try {
    return await Promise.race([run, limit, overflowed]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** The events a subscriber arriving now must see first: the status, the text so far, the end if any. */
export function snapshotEvents(state: TaskState): TaskEvent[] {
  const events: TaskEvent[] = [{ type: 'status', status: state.status }];
  if (state.status === 'processing' && state.text) events.push({ type: 'delta', text: state.text });
  if (state.status === 'completed') events.push({ type: 'completed', state });
  if (state.status === 'failed') events.push({ type: 'failed', state });
  return events;
}

export function isFinalEvent(event: TaskEvent): boolean {
  return event.type === 'completed' || event.type === 'failed';
}

/**
 * A push-to-pull bridge: listeners push events, one consumer iterates them in order until a final
 * event, `end()`, or the signal fires.
 */
export function eventChannel(signal?: AbortSignal): {
  push(event: TaskEvent): void;
  end(): void;
  events: AsyncIterable<TaskEvent>;
} {
  const buffer: TaskEvent[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const end = () => {
    ended = true;
    notify();
  };
  signal?.addEventListener('abort', end, { once: true });
  async function* events(): AsyncGenerator<TaskEvent> {
    try {
      while (true) {
        const next = buffer.shift();
        if (next) {
          yield next;
          if (isFinalEvent(next)) return;
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      signal?.removeEventListener('abort', end);
    }
  }
  return {
    push(event) {
      if (ended) return;
      buffer.push(event);
      notify();
    },
    end,
    events: events(),
  };
}
