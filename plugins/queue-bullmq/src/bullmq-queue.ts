import { randomUUID } from 'node:crypto';
import {
  queueFullError,
  queueUnavailableError,
  runTaskHandler,
  type TaskOutcome,
  taskMetrics,
} from '@llm-gateway/plugin-kit';
import type { Logger, TaskHandler, TaskInput, TaskQueue, TaskState, TaskWorker } from '@llm-gateway/spec';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { BullmqQueueConfig } from './config.js';
import { deltaWriter } from './delta-writer.js';
import { ChannelHub, taskEvents } from './task-events.js';
import { taskKeys, type WireEvent } from './task-keys.js';

interface JobData {
  input: TaskInput;
  createdAt: number;
}

/** A job's return value: the outcome plus when the worker finished it. */
type JobResult = TaskOutcome & { startedAt: number; finishedAt: number };

/** `error_type` of a task whose workers died more often than `maxStalledCount` allows. */
const WORKER_LOST = 'WorkerLostError';

export function createBullmqQueue(
  config: BullmqQueueConfig & { url: string },
  log: Logger,
  name = 'bullmq',
): TaskQueue {
  const { prefix, queueName } = config;
  // Commands fail rather than wait forever while Redis is away: submit answers 503, not a hang.
  // Auto-pipelining sends the commands of one tick (many tasks' progress and moves) in one write.
  const commands = new Redis(config.url, {
    maxRetriesPerRequest: 2,
    lazyConnect: false,
    enableAutoPipelining: true,
  });
  commands.on('error', (error) => log.warn({ err: error }, 'redis (task queue) error'));
  const queue = new Queue<JobData, JobResult>(queueName, { connection: commands, prefix });
  queue.on('error', (error) => log.warn({ err: error }, 'task queue error'));
  let hub: ChannelHub | undefined;
  let subscriber: Redis | undefined;
  const workers = new Set<Worker<JobData, JobResult>>();
  const timeLimitMs = config.timeLimitSeconds * 1000;
  const retentionMs = config.retentionSeconds * 1000;
  const keys = (id: string) => taskKeys(prefix, queueName, id);

  const publish = (id: string, event: WireEvent) => commands.publish(keys(id).channel, JSON.stringify(event));

  async function stateOf(job: Job<JobData, JobResult>): Promise<TaskState> {
    const id = job.id!;
    const base: TaskState = {
      id,
      status: 'queued',
      createdAt: job.data.createdAt,
      principalId: job.data.input.principal.id,
      model: job.data.input.request.model,
    };
    const bullState = await job.getState();
    if (bullState === 'completed' && job.returnvalue) {
      const result = job.returnvalue;
      const times = { ...base, startedAt: result.startedAt, finishedAt: result.finishedAt };
      if (!result.ok) return { ...times, status: 'failed', error: result.error };
      const done = { ...times, status: 'completed' as const, text: result.text, usage: result.usage };
      return { ...done, metrics: taskMetrics(done) };
    }
    if (bullState === 'failed') {
      const finishedAt = job.finishedOn ?? Date.now();
      const message = 'The worker running this task stopped; it could not be completed';
      return { ...base, status: 'failed', finishedAt, error: { message, type: WORKER_LOST } };
    }
    if (bullState === 'active') {
      const text = (await commands.get(keys(id).text)) ?? '';
      return {
        ...base,
        status: 'processing',
        ...(job.processedOn ? { startedAt: job.processedOn } : {}),
        text,
      };
    }
    return base;
  }

  async function get(id: string): Promise<TaskState | undefined> {
    const job = (await queue.getJob(id)) as Job<JobData, JobResult> | undefined;
    if (!job) return undefined;
    const state = await stateOf(job);
    if (state.finishedAt !== undefined && Date.now() - state.finishedAt >= retentionMs) {
      // Redis removes old jobs lazily (when later ones finish); a task past retention is gone now.
      await job.remove().catch(() => {});
      return undefined;
    }
    return state;
  }

  function processor(handler: TaskHandler) {
    return async (job: Job<JobData, JobResult>): Promise<JobResult> => {
      const id = job.id!;
      const { text: textKey, channel } = keys(id);
      const startedAt = Date.now();
      // Only a run after a dead worker's can find text already stored.
      const rerun = job.stalledCounter > 0 || job.attemptsStarted > 1;
      const writer = deltaWriter({
        redis: commands,
        textKey,
        channel,
        prior: rerun ? await commands.strlen(textKey) : 0,
        ttlMs: timeLimitMs + retentionMs,
        intervalMs: config.progressIntervalMs,
        log,
      });
      const outcome = await runTaskHandler(handler, job.data.input, {
        taskId: id,
        enqueuedAt: job.data.createdAt,
        timeLimitMs,
        delta: (text) => writer.write(text),
      });
      await (outcome.ok ? writer.stop() : writer.flushAndStop());
      return { ...outcome, startedAt, finishedAt: Date.now() };
    };
  }

  // One count shared by the submits of the same 200 ms, plus this process's submits since: exact for one
  // instance, approximate (by design) across several.
  let counted: { at: number; count: Promise<number>; added: number } | undefined;
  async function waitingCount(): Promise<number> {
    if (!counted || Date.now() - counted.at > 200) {
      const count = queue.count();
      counted = { at: Date.now(), count, added: 0 };
      count.catch(() => {
        counted = undefined;
      });
    }
    const current = counted;
    return (await current.count) + current.added++;
  }

  /** Redis away (down, restarting): the caller gets a retryable 503, not a 500, and no task id. */
  async function stored<T>(command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (error) {
      log.warn({ err: error }, 'task queue: Redis did not take the task');
      throw queueUnavailableError(error);
    }
  }

  return {
    name,
    async submit(input) {
      if ((await stored(waitingCount())) >= config.maxQueued) throw queueFullError(config.maxQueued);
      const id = randomUUID();
      const keep = { age: Math.ceil(config.retentionSeconds) };
      const options = { jobId: id, attempts: 1, removeOnComplete: keep, removeOnFail: keep };
      await stored(queue.add('task', { input, createdAt: Date.now() }, options));
      return id;
    },
    get,
    events(id, signal) {
      if (!hub) {
        subscriber = new Redis(config.url, { maxRetriesPerRequest: null });
        subscriber.on('error', (error) => log.warn({ err: error }, 'redis (task events) error'));
        hub = new ChannelHub(subscriber);
      }
      return taskEvents(hub, keys(id).channel, () => get(id), signal);
    },
    work(handler, concurrency): TaskWorker {
      const worker = new Worker<JobData, JobResult>(queueName, processor(handler), {
        connection: new Redis(config.url, { maxRetriesPerRequest: null, enableAutoPipelining: true }),
        prefix,
        concurrency: Math.max(1, concurrency),
        lockDuration: config.lockSeconds * 1000,
        stalledInterval: config.stalledIntervalSeconds * 1000,
        maxStalledCount: config.maxStalledCount,
      });
      worker.on('error', (error) => log.warn({ err: error }, 'task worker error'));
      // Published once the job is stored as finished, so a subscriber that reads it sees the end.
      worker.on('completed', (job) => void publish(job.id!, { type: 'final' }).catch(() => {}));
      worker.on('failed', (job) => {
        if (job?.id) void publish(job.id, { type: 'final' }).catch(() => {});
      });
      workers.add(worker);
      return {
        async close() {
          workers.delete(worker);
          await worker.close();
          await worker.disconnect().catch(() => {});
        },
      };
    },
    async stats() {
      const counts = await queue.getJobCounts(
        'waiting',
        'prioritized',
        'delayed',
        'active',
        'completed',
        'failed',
      );
      return {
        queued: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0) + (counts['delayed'] ?? 0),
        processing: counts['active'] ?? 0,
        completed: counts['completed'] ?? 0,
        failed: counts['failed'] ?? 0,
        connected: commands.status === 'ready',
      };
    },
    async close() {
      await Promise.allSettled([...workers].map((worker) => worker.close()));
      workers.clear();
      await queue.close().catch(() => {});
      subscriber?.disconnect();
      commands.disconnect();
    },
  };
}
