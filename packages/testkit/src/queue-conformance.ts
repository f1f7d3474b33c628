import {
  GatewayError,
  isDisabled,
  isGatewayError,
  type PluginHost,
  type QueuePlugin,
  silentLogger,
  type TaskEvent,
  type TaskHandler,
  type TaskInput,
  type TaskQueue,
  type TaskState,
} from '@llm-gateway/spec';
import { afterEach, describe, expect, it } from 'vitest';

/** The shared settings a suite test asks of the queue; the plugin's own config adds the rest. */
export interface QueueTestSettings {
  timeLimitSeconds: number;
  retentionSeconds: number;
  maxQueued: number;
  maxFinished: number;
  maxResultBytes: number;
}

export interface QueueConformanceOptions<Config> {
  name?: string;
  plugin: QueuePlugin<Config>;
  /** The raw config of one fresh queue (e.g. a new Redis key prefix each call). */
  config(settings: QueueTestSettings): unknown;
  host?: PluginHost;
}

export const queueTestInput: TaskInput = {
  request: { model: 'test-model', messages: [{ role: 'user', content: 'Say hello' }] },
  principal: { id: 'key-a', kind: 'api_key', scheme: 'keys' },
  surface: 'inference',
};

const usage = { promptTokens: 3, completionTokens: 2, totalTokens: 5 };

/** A handler that sends `parts` as deltas and answers their concatenation. */
export function scriptedHandler(parts: string[], pauseMs = 0): TaskHandler {
  return async (_input, progress) => {
    for (const part of parts) {
      if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      await progress.delta(part);
    }
    return { text: parts.join(''), usage };
  };
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** Waits for a task to finish (completed or failed) and returns its state. */
export function finished(queue: TaskQueue, id: string, timeoutMs = 10_000): Promise<TaskState> {
  return waitUntil(async () => {
    const state = await queue.get(id);
    return state && (state.status === 'completed' || state.status === 'failed') ? state : undefined;
  }, timeoutMs);
}

async function drain(events: AsyncIterable<TaskEvent>): Promise<TaskEvent[]> {
  const seen: TaskEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

const defaults: QueueTestSettings = {
  timeLimitSeconds: 30,
  retentionSeconds: 60,
  maxQueued: 1000,
  maxFinished: 1000,
  maxResultBytes: 262_144,
};

/** Names a store keeps beside its tasks (BullMQ's own keys) and other ids the gateway never issues. */
export const notTaskIds = [
  'meta',
  'id',
  'events',
  'completed',
  'failed',
  'wait',
  'active',
  'paused',
  'delayed',
  'prioritized',
  'marker',
  'stalled-check',
  'stalled',
  'limiter',
  'pc',
  '__proto__',
  'constructor',
  '1',
  'no-such-task',
];

/** One suite every TaskQueue plugin must pass. */
export function queueConformance<Config>(options: QueueConformanceOptions<Config>): void {
  const host: PluginHost = options.host ?? { instanceName: 'tasks', log: silentLogger };
  const opened: TaskQueue[] = [];

  async function open(settings: Partial<QueueTestSettings> = {}): Promise<TaskQueue> {
    const config = options.plugin.configSchema.parse(options.config({ ...defaults, ...settings }));
    const queue = await options.plugin.create(config, host);
    if (isDisabled(queue)) throw new Error(`queue disabled: ${queue.reason}`);
    opened.push(queue);
    return queue;
  }

  describe(`${options.name ?? options.plugin.name} queue conformance`, () => {
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close()));
    });

    it('submit answers an id; get shows the task queued, for its principal; unknown ids are undefined', async () => {
      const queue = await open();
      const id = await queue.submit(queueTestInput);
      expect(id).toMatch(/\S{8,}/);
      const state = await queue.get(id);
      expect(state).toMatchObject({ id, status: 'queued', principalId: 'key-a', owner: 'keys:key-a' });
      expect(await queue.get('no-such-task')).toBeUndefined();
    });

    // Regression: ownership was the bare id, so a JWT whose subject equals an API key's id read its tasks.
    it('a task is owned by the principalKey of its submitter: equal ids of two schemes are two owners', async () => {
      const queue = await open();
      const asJwt = { ...queueTestInput, principal: { id: 'key-a', kind: 'user' as const, scheme: 'jwt' } };
      const [byKey, byJwt] = [await queue.submit(queueTestInput), await queue.submit(asJwt)];
      expect((await queue.get(byKey))?.owner).toBe('keys:key-a');
      expect((await queue.get(byJwt))?.owner).toBe('jwt:key-a');
    });

    // Regression: BullMQ's own key names (`meta`, `events`, ...) as task ids answered 500s.
    it("ids the gateway never issues (a store's own key names) are unknown tasks, never an error", async () => {
      const queue = await open();
      await queue.submit(queueTestInput);
      for (const id of notTaskIds) {
        expect(await queue.get(id), id).toBeUndefined();
        expect(await drain(queue.events(id)), id).toEqual([]);
      }
    });

    // Regression: a task's text was kept whole, however large.
    it('a task whose text passes maxResultBytes is stopped (its signal fires) and fails with ResultTooLarge', async () => {
      const queue = await open({ maxResultBytes: 16 });
      let aborted = false;
      const worker = queue.work(async (input, progress) => {
        progress.signal.addEventListener('abort', () => {
          aborted = true;
        });
        return scriptedHandler(['0123456789', 'abcdefghij', 'never'])(input, progress);
      }, 1);
      const id = await queue.submit(queueTestInput);
      const state = await finished(queue, id);
      const whole = await queue.submit(queueTestInput);
      await worker.close();
      expect(state).toMatchObject({ status: 'failed', error: { type: 'ResultTooLarge' } });
      expect(state.error!.message).toMatch(/16-byte limit/);
      expect(state.text ?? '').toBe('');
      expect(aborted).toBe(true);
      const small = queue.work(async () => ({ text: 'x'.repeat(17), usage }), 1);
      expect(await finished(queue, whole)).toMatchObject({ error: { type: 'ResultTooLarge' } });
      await small.close();
    });

    // Regression: finished tasks were bounded only by their age.
    it('keeps at most maxFinished finished tasks: the oldest finished are dropped first', async () => {
      const queue = await open({ maxFinished: 2 });
      const worker = queue.work(scriptedHandler(['done']), 1);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const id = await queue.submit(queueTestInput);
        await finished(queue, id);
        ids.push(id);
      }
      await worker.close();
      expect(await queue.get(ids[0]!)).toBeUndefined();
      expect(await queue.get(ids[1]!)).toBeUndefined();
      expect((await queue.get(ids[2]!))?.status).toBe('completed');
      expect((await queue.get(ids[3]!))?.status).toBe('completed');
    });

    it('runs a task: events come in order (queued, processing, deltas, completed) with the seed metrics', async () => {
      const queue = await open();
      const id = await queue.submit(queueTestInput);
      const events = drain(queue.events(id));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const worker = queue.work(scriptedHandler(['Hello', ', ', 'world'], 10), 1);
      const seen = await events;
      await worker.close();
      const statuses = seen.flatMap((event) => (event.type === 'status' ? [event.status] : []));
      expect(statuses.slice(0, 2)).toEqual(['queued', 'processing']);
      const text = seen.flatMap((event) => (event.type === 'delta' ? [event.text] : [])).join('');
      expect(text).toBe('Hello, world');
      const last = seen.at(-1)!;
      expect(last.type).toBe('completed');
      const deltaIndex = seen.findIndex((event) => event.type === 'delta');
      expect(deltaIndex).toBeGreaterThan(
        seen.findIndex((e) => e.type === 'status' && e.status === 'processing'),
      );
      const state = await queue.get(id);
      expect(state).toMatchObject({ status: 'completed', text: 'Hello, world', usage });
      const metrics = state?.metrics;
      if (!metrics) throw new Error('a completed task carries metrics');
      expect(metrics).toMatchObject({ prompt_tokens: 3, completion_tokens: 2 });
      for (const key of ['queue_wait_time', 'processing_time', 'total_time', 'tokens_per_second'] as const)
        expect(metrics[key]).toBeGreaterThanOrEqual(0);
      expect(metrics.total_time).toBeGreaterThanOrEqual(metrics.processing_time);
    });

    it('a subscriber arriving after the end gets the final event at once', async () => {
      const queue = await open();
      const worker = queue.work(scriptedHandler(['done']), 1);
      const id = await queue.submit(queueTestInput);
      await finished(queue, id);
      const seen = await drain(queue.events(id));
      await worker.close();
      expect(seen.at(-1)).toMatchObject({ type: 'completed', state: { text: 'done', status: 'completed' } });
    });

    it('a failing handler fails the task with a typed, client-safe error', async () => {
      const queue = await open();
      const worker = queue.work(async () => {
        throw new GatewayError('upstream_error', 'Upstream LLM service error (status 500)', { status: 502 });
      }, 1);
      const id = await queue.submit(queueTestInput);
      const state = await finished(queue, id);
      await worker.close();
      expect(state).toMatchObject({ status: 'failed', error: { type: 'UpstreamError' } });
    });

    it('runs at most `concurrency` tasks at once, and uses all of it', async () => {
      const queue = await open();
      let running = 0;
      let most = 0;
      const worker = queue.work(async (input, progress) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 150));
        running--;
        return scriptedHandler(['ok'])(input, progress);
      }, 2);
      const ids = await Promise.all([1, 2, 3, 4, 5].map(() => queue.submit(queueTestInput)));
      for (const id of ids) expect((await finished(queue, id)).status).toBe('completed');
      await worker.close();
      expect(most).toBe(2);
    });

    it('a task over the time limit fails with TimeLimitExceeded and its signal fires', async () => {
      const queue = await open({ timeLimitSeconds: 0.3 });
      let aborted = false;
      const worker = queue.work(
        (_input, progress) =>
          new Promise((_resolve, reject) => {
            progress.signal.addEventListener('abort', () => {
              aborted = true;
              reject(new Error('aborted'));
            });
          }),
        1,
      );
      const id = await queue.submit(queueTestInput);
      const state = await finished(queue, id);
      await worker.close();
      expect(state).toMatchObject({ status: 'failed', error: { type: 'TimeLimitExceeded' } });
      expect(state.error!.message).toMatch(/time limit/);
      expect(aborted).toBe(true);
    });

    it('finished tasks are removed after the retention time', async () => {
      const queue = await open({ retentionSeconds: 0.5 });
      const worker = queue.work(scriptedHandler(['kept']), 1);
      const id = await queue.submit(queueTestInput);
      expect((await finished(queue, id)).text).toBe('kept');
      await worker.close();
      await waitUntil(async () => (await queue.get(id)) === undefined, 5000);
      expect(await drain(queue.events(id))).toEqual([]);
    });

    it('refuses past maxQueued waiting tasks with a retryable 503; waiting tasks run once a worker starts', async () => {
      const queue = await open({ maxQueued: 2 });
      const ids = [await queue.submit(queueTestInput), await queue.submit(queueTestInput)];
      const refused = await queue.submit(queueTestInput).catch((error: unknown) => error);
      expect(isGatewayError(refused)).toBe(true);
      expect(refused).toMatchObject({ status: 503, code: 'queue_full' });
      expect((refused as GatewayError).retryAfterMs).toBeGreaterThan(0);
      const worker = queue.work(scriptedHandler(['later']), 2);
      for (const id of ids) expect((await finished(queue, id)).status).toBe('completed');
      await worker.close();
    });
  });
}
