import { randomUUID } from 'node:crypto';
import {
  eventChannel,
  isExpired,
  queueFullError,
  runTaskHandler,
  snapshotEvents,
  taskMetrics,
} from '@llm-gateway/plugin-kit';
import type { TaskEvent, TaskHandler, TaskInput, TaskQueue, TaskState, TaskWorker } from '@llm-gateway/spec';
import type { MemoryQueueConfig } from './config.js';

interface Entry {
  state: TaskState;
  input: TaskInput;
  listeners: Set<(event: TaskEvent) => void>;
}

interface LocalWorker {
  handler: TaskHandler;
  concurrency: number;
  running: number;
  closed: boolean;
  idle: Set<() => void>;
}

/** Tasks, their events and their workers in this process's memory. */
export function createMemoryQueue(config: MemoryQueueConfig, name = 'memory'): TaskQueue {
  const tasks = new Map<string, Entry>();
  const waiting: string[] = [];
  const workers: LocalWorker[] = [];
  const shutdown = new AbortController();
  const timeLimitMs = config.timeLimitSeconds * 1000;
  const retentionMs = config.retentionSeconds * 1000;

  const emit = (entry: Entry, event: TaskEvent) => {
    for (const listener of entry.listeners) listener(event);
  };

  function expireLater(id: string): void {
    setTimeout(() => tasks.delete(id), retentionMs).unref();
  }

  async function run(worker: LocalWorker, entry: Entry): Promise<void> {
    const { state } = entry;
    state.status = 'processing';
    state.startedAt = Date.now();
    state.text = '';
    emit(entry, { type: 'status', status: 'processing' });
    const outcome = await runTaskHandler(worker.handler, entry.input, {
      taskId: state.id,
      enqueuedAt: state.createdAt,
      timeLimitMs,
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
    }
    emit(entry, { type: 'status', status: state.status });
    emit(entry, { type: state.status === 'completed' ? 'completed' : 'failed', state: { ...state } });
    entry.listeners.clear();
    expireLater(state.id);
  }

  function dispatch(): void {
    for (const worker of workers) {
      while (!worker.closed && worker.running < worker.concurrency && waiting.length > 0) {
        const entry = tasks.get(waiting.shift()!);
        if (!entry) continue;
        worker.running++;
        void run(worker, entry).finally(() => {
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
      const id = randomUUID();
      const state: TaskState = {
        id,
        status: 'queued',
        createdAt: Date.now(),
        principalId: input.principal.id,
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
        tasks.delete(id);
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
