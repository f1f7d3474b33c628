import {
  DEFAULT_MAX_FINISHED,
  DEFAULT_MAX_RESULT_BYTES,
  eventChannel,
  isExpired,
  newTaskId,
  queueFullError,
  runTaskHandler,
  snapshotEvents,
  taskMetrics,
} from '@llm-gateway/plugin-kit';
import {
  principalKey,
  type TaskEvent,
  type TaskHandler,
  type TaskInput,
  type TaskQueue,
  type TaskState,
  type TaskWorker,
} from '@llm-gateway/spec';
import type { MemoryQueueConfig } from './config.js';

interface Entry {
  state: TaskState;
  /** Held only while the task waits: the handler has it once it runs, and a finished task needs none. */
  input?: TaskInput;
  listeners: Set<(event: TaskEvent) => void>;
}

interface LocalWorker {
  handler: TaskHandler;
  concurrency: number;
  running: number;
  closed: boolean;
  idle: Set<() => void>;
}

/** The bounds of what the queue holds; omitted ones take the shared defaults. */
type MemoryQueueOptions = Omit<MemoryQueueConfig, 'maxFinished' | 'maxResultBytes'> &
  Partial<Pick<MemoryQueueConfig, 'maxFinished' | 'maxResultBytes'>>;

/** Tasks, their events and their workers in this process's memory. */
export function createMemoryQueue(config: MemoryQueueOptions, name = 'memory'): TaskQueue {
  const tasks = new Map<string, Entry>();
  // Finished ids, oldest first (a Set keeps insertion order): past maxFinished the oldest go.
  const finishedIds = new Set<string>();
  const maxFinished = config.maxFinished ?? DEFAULT_MAX_FINISHED;
  const maxResultBytes = config.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
  const waiting: string[] = [];
  const workers: LocalWorker[] = [];
  const shutdown = new AbortController();
  const timeLimitMs = config.timeLimitSeconds * 1000;
  const retentionMs = config.retentionSeconds * 1000;

  const emit = (entry: Entry, event: TaskEvent) => {
    for (const listener of entry.listeners) listener(event);
  };

  function forget(id: string): void {
    tasks.delete(id);
    finishedIds.delete(id);
  }

  /** Keeps the finished task for its retention, and drops the oldest finished ones past maxFinished. */
  function keepFinished(id: string): void {
    finishedIds.add(id);
    for (const oldest of finishedIds) {
      if (finishedIds.size <= maxFinished) break;
      forget(oldest);
    }
    setTimeout(() => forget(id), retentionMs).unref();
  }

  async function run(worker: LocalWorker, entry: Entry, input: TaskInput): Promise<void> {
    const { state } = entry;
    entry.input = undefined;
    state.status = 'processing';
    state.startedAt = Date.now();
    state.text = '';
    emit(entry, { type: 'status', status: 'processing' });
    const outcome = await runTaskHandler(worker.handler, input, {
      taskId: state.id,
      enqueuedAt: state.createdAt,
      timeLimitMs,
      maxResultBytes,
      signal: shutdown.signal,
      delta: async (text) => {
        state.text += text;
        emit(entry, { type: 'delta', text });
      },
    });
    state.finishedAt = Date.now();
    if (outcome.ok) {
      state.status = 'completed';
      state.text = outcome.text;
      state.usage = outcome.usage;
      state.metrics = taskMetrics(state);
    } else {
      state.status = 'failed';
      state.error = outcome.error;
      // A failed task answers its error only; the text streamed so far is not kept.
      delete state.text;
    }
    emit(entry, { type: 'status', status: state.status });
    emit(entry, { type: state.status === 'completed' ? 'completed' : 'failed', state: { ...state } });
    entry.listeners.clear();
    keepFinished(state.id);
  }

  function dispatch(): void {
    for (const worker of workers) {
      while (!worker.closed && worker.running < worker.concurrency && waiting.length > 0) {
        const entry = tasks.get(waiting.shift()!);
        if (!entry?.input) continue;
        worker.running++;
        void run(worker, entry, entry.input).finally(() => {
          worker.running--;
          if (worker.running === 0) for (const resolve of worker.idle) resolve();
          setImmediate(dispatch);
        });
      }
    }
  }

  return {
    name,
    async submit(input) {
      if (waiting.length >= config.maxQueued) throw queueFullError(config.maxQueued);
      const id = newTaskId();
      const state: TaskState = {
        id,
        status: 'queued',
        createdAt: Date.now(),
        principalId: input.principal.id,
        owner: principalKey(input.principal),
        model: input.request.model,
      };
      tasks.set(id, { state, input, listeners: new Set() });
      waiting.push(id);
      setImmediate(dispatch);
      return id;
    },
    async get(id) {
      const entry = tasks.get(id);
      if (!entry) return undefined;
      if (isExpired(entry.state, retentionMs)) {
        forget(id);
        return undefined;
      }
      return { ...entry.state };
    },
    async *events(id, signal) {
      const entry = tasks.get(id);
      if (!entry || isExpired(entry.state, retentionMs)) return;
      const channel = eventChannel(signal);
      for (const event of snapshotEvents({ ...entry.state })) channel.push(event);
      if (entry.state.status === 'completed' || entry.state.status === 'failed') channel.end();
      else entry.listeners.add(channel.push);
      try {
        yield* channel.events;
      } finally {
        entry.listeners.delete(channel.push);
      }
    },
    work(handler, concurrency): TaskWorker {
      const worker: LocalWorker = {
        handler,
        concurrency: Math.max(1, concurrency),
        running: 0,
        closed: false,
        idle: new Set(),
      };
      workers.push(worker);
      setImmediate(dispatch);
      return {
        async close() {
          worker.closed = true;
          workers.splice(workers.indexOf(worker), 1);
          if (worker.running > 0) await new Promise<void>((resolve) => worker.idle.add(resolve));
        },
      };
    },
    async stats() {
      const counts = { queued: 0, processing: 0, completed: 0, failed: 0 };
      for (const entry of tasks.values()) counts[entry.state.status]++;
      return counts;
    },
    async close() {
      shutdown.abort(new Error('queue closed'));
      for (const worker of workers) worker.closed = true;
      workers.length = 0;
    },
  };
}
