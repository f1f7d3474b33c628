import {
  isTaskId,
  newTaskId,
  queueFullError,
  queueUnavailableError,
  runTaskHandler,
  type TaskOutcome,
  taskMetrics,
} from '@llm-gateway/plugin-kit';
import {
  type Logger,
  principalKey,
  type TaskEvent,
  type TaskHandler,
  type TaskInput,
  type TaskQueue,
  type TaskState,
  type TaskWorker,
} from '@llm-gateway/spec';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type BullmqQueueConfig, defaultPrefix } from './config.js';
import { deltaWriter } from './delta-writer.js';
import { ChannelHub, taskEvents } from './task-events.js';
import { taskKeys, type WireEvent } from './task-keys.js';

/** What a job stores: the input while it waits or runs, then only what its status needs. */
interface JobData {
  input?: TaskInput;
  createdAt: number;
  /** principalKey of the submitter; absent on jobs stored before it was (read from the input then). */
  owner?: string;
  principalId?: string;
  model?: string;
}

/** A finished job's data: its input dropped, so it costs Redis only its result and a few fields. */
function finishedData(data: JobData): JobData {
  const model = data.model ?? data.input?.request.model;
  return {
    createdAt: data.createdAt,
    owner: data.owner ?? (data.input ? principalKey(data.input.principal) : ''),
    principalId: data.principalId ?? data.input?.principal.id ?? '',
    ...(model ? { model } : {}),
  };
}

const inputGone = {
  ok: false as const,
  error: { message: "The task's input is no longer stored; submit it again", type: 'InputGoneError' },
};

/** A job's return value: the outcome plus when the worker finished it. */
type JobResult = TaskOutcome & { startedAt: number; finishedAt: number };

/** `error_type` of a task whose workers died more often than `maxStalledCount` allows. */
const WORKER_LOST = 'WorkerLostError';

async function* noEvents(): AsyncGenerator<TaskEvent> {}

export function createBullmqQueue(
  config: BullmqQueueConfig & { url: string },
  log: Logger,
  name = 'bullmq',
  deployment?: string,
): TaskQueue {
  const { queueName } = config;
  const prefix = config.prefix ?? defaultPrefix(deployment);
  // Commands fail rather than wait forever while Redis is away: submit answers 503, not a hang.
  // No ioredis auto-pipelining here: with BullMQ's Lua commands (defineCommand) a command that cannot
  // join the tick's pipeline leaves it one reply short, and ioredis then throws an uncaught TypeError
  // (`results[i] is not iterable`, redis/ioredis#1931) that would take the whole process down.
  const commands = new Redis(config.url, { maxRetriesPerRequest: 2, lazyConnect: false });
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
    const kept = finishedData(job.data);
    const base: TaskState = {
      id,
      status: 'queued',
      createdAt: kept.createdAt,
      principalId: kept.principalId ?? '',
      owner: kept.owner ?? '',
      ...(kept.model ? { model: kept.model } : {}),
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

  /** Redis away (down, restarting): the caller gets a retryable 503, not a 500 (and no task id). */
  async function stored<T>(command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (error) {
      log.warn({ err: error }, 'task queue: Redis did not answer');
      throw queueUnavailableError(error);
    }
  }

  async function get(id: string): Promise<TaskState | undefined> {
    // BullMQ keeps its own keys (`meta`, `events`, ...) beside the jobs': only task ids may name a job.
    if (!isTaskId(id)) return undefined;
    return stored(read(id));
  }

  async function read(id: string): Promise<TaskState | undefined> {
    const job = (await queue.getJob(id)) as Job<JobData, JobResult> | undefined;
    if (!job?.data) return undefined;
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
      const { input } = job.data;
      if (!input) return { ...inputGone, startedAt, finishedAt: Date.now() };
      const writer = deltaWriter({
        redis: commands,
        textKey,
        channel,
        prior: rerun ? await commands.strlen(textKey) : 0,
        ttlMs: timeLimitMs + retentionMs,
        intervalMs: config.progressIntervalMs,
        log,
      });
      const outcome = await runTaskHandler(handler, input, {
        taskId: id,
        enqueuedAt: job.data.createdAt,
        timeLimitMs,
        maxResultBytes: config.maxResultBytes,
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

  /** Once a job is stored as finished: its input and streamed text go, and `/stream` viewers hear the end. */
  async function settle(job: Job<JobData, JobResult>): Promise<void> {
    const id = job.id!;
    await publish(id, { type: 'final' }).catch(() => {});
    await Promise.allSettled([job.updateData(finishedData(job.data)), commands.del(keys(id).text)]);
  }

  return {
    name,
    async submit(input) {
      if ((await stored(waitingCount())) >= config.maxQueued) throw queueFullError(config.maxQueued);
      const id = newTaskId();
      // Redis trims finished jobs past this count (oldest first) or age, as each job finishes.
      const keep = { age: Math.ceil(config.retentionSeconds), count: config.maxFinished };
      const options = { jobId: id, attempts: 1, removeOnComplete: keep, removeOnFail: keep };
      const data: JobData = {
        input,
        createdAt: Date.now(),
        owner: principalKey(input.principal),
        principalId: input.principal.id,
        ...(input.request.model ? { model: input.request.model } : {}),
      };
      await stored(queue.add('task', data, options));
      return id;
    },
    get,
    events(id, signal) {
      if (!isTaskId(id)) return noEvents();
      if (!hub) {
        subscriber = new Redis(config.url, { maxRetriesPerRequest: null });
        subscriber.on('error', (error) => log.warn({ err: error }, 'redis (task events) error'));
        hub = new ChannelHub(subscriber);
      }
      return taskEvents(hub, keys(id).channel, () => get(id), signal);
    },
    work(handler, concurrency): TaskWorker {
      const worker = new Worker<JobData, JobResult>(queueName, processor(handler), {
        connection: new Redis(config.url, { maxRetriesPerRequest: null }),
        prefix,
        concurrency: Math.max(1, concurrency),
        lockDuration: config.lockSeconds * 1000,
        stalledInterval: config.stalledIntervalSeconds * 1000,
        maxStalledCount: config.maxStalledCount,
      });
      worker.on('error', (error) => log.warn({ err: error }, 'task worker error'));
      // Published once the job is stored as finished, so a subscriber that reads it sees the end.
      worker.on('completed', (job) => void settle(job));
      worker.on('failed', (job) => {
        if (job?.id) void settle(job);
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
