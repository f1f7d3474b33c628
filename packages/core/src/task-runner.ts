import {
  emptyUsage,
  isGatewayError,
  type Logger,
  type Pipeline,
  type RequestContext,
  type TaskHandler,
  type TaskInput,
  type TaskProgress,
  type Usage,
} from '@llm-gateway/spec';

/** How one task run ended; the telemetry stage turns it into a record (queue wait, tokens, error). */
export interface TaskRunEnd {
  taskId: string;
  input: TaskInput;
  /** The run's pipeline context: its annotations hold backend, model, usage, retries, cache hit. */
  context: RequestContext;
  durationMs: number;
  /** From submit to the start of this run (ms), when the queue says when it was submitted. */
  queueWaitMs?: number;
  error?: unknown;
}

export interface TaskRunnerOptions {
  pipeline: Pipeline;
  log: Logger;
  /** Called once per run, success or not: the hook for task telemetry records. */
  onTaskEnd?: (end: TaskRunEnd) => void;
}

/**
 * Runs a task through the same pipeline as a sync request (routing, retries, breaker, cache, token
 * budgets), streaming so its text reaches `/stream` subscribers as it is generated.
 */
export function createTaskHandler(options: TaskRunnerOptions): TaskHandler {
  const { pipeline, log } = options;
  return async (input, progress) => {
    const startedAt = performance.now();
    const queueWaitMs =
      progress.enqueuedAt === undefined ? undefined : Math.max(0, Date.now() - progress.enqueuedAt);
    let taskLog: Logger | undefined;
    const context: RequestContext = {
      requestId: progress.taskId,
      surface: input.surface,
      endpoint: 'task',
      principal: input.principal,
      signal: progress.signal,
      // Made on first use: most runs log nothing, and a child logger serializes its bindings.
      get log() {
        taskLog ??= log.child({ task: progress.taskId });
        return taskLog;
      },
      annotations: {},
      admitted: true,
    };
    const end = (error?: unknown) =>
      options.onTaskEnd?.({
        taskId: progress.taskId,
        input,
        context,
        durationMs: performance.now() - startedAt,
        ...(queueWaitMs === undefined ? {} : { queueWaitMs }),
        ...(error === undefined ? {} : { error }),
      });
    try {
      const result = await runThrough(pipeline, input, context, progress.delta);
      end();
      return result;
    } catch (error) {
      end(error);
      throw error;
    }
  };
}

async function runThrough(
  pipeline: Pipeline,
  input: TaskInput,
  context: RequestContext,
  delta: TaskProgress['delta'],
): Promise<{ text: string; usage: Usage }> {
  let outcome: Awaited<ReturnType<Pipeline['stream']>>;
  try {
    outcome = await pipeline.stream(input.request, context);
  } catch (error) {
    // A gateway with streaming switched off still runs tasks, in one piece.
    if (!isGatewayError(error) || error.code !== 'streaming_disabled') throw error;
    const { result } = await pipeline.chat(input.request, context);
    await delta(result.text);
    return { text: result.text, usage: result.usage };
  }
  let text = '';
  let usage: Usage | undefined;
  for await (const part of outcome.parts) {
    if (part.type === 'text-delta') {
      text += part.text;
      // A store writing behind returns nothing: no promise or microtask per part.
      const written = delta(part.text);
      if (written) await written;
    } else if (part.type === 'finish') usage = part.usage;
  }
  return { text, usage: usage ?? context.annotations.usage ?? emptyUsage() };
}
