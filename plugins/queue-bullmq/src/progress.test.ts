import { randomUUID } from 'node:crypto';
import { isDisabled, silentLogger, type TaskEvent, type TaskQueue } from '@llm-gateway/spec';
import { finished, queueTestInput, scriptedHandler, useRedis, waitUntil } from '@llm-gateway/testkit';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import plugin from './index.js';

const redis = useRedis();

/** A queue with its own key prefix, and every message its workers publish on task channels, by type. */
async function observedQueue(): Promise<{ queue: TaskQueue; published: string[]; close(): Promise<void> }> {
  const prefix = `progress-${randomUUID().slice(0, 8)}`;
  const config = plugin.configSchema.parse({ url: redis.url, prefix, progressIntervalMs: 50 });
  const created = await plugin.create(config, { instanceName: 'tasks', log: silentLogger });
  if (isDisabled(created)) throw new Error('disabled');
  const spy = new Redis(redis.url);
  const published: string[] = [];
  spy.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    published.push((JSON.parse(message) as { type: string }).type);
  });
  await spy.psubscribe(`${prefix}:*:events`);
  return {
    queue: created,
    published,
    async close() {
      spy.disconnect();
      await created.close();
    },
  };
}

async function streamed(queue: TaskQueue, id: string): Promise<TaskEvent[]> {
  const seen: TaskEvent[] = [];
  for await (const event of queue.events(id)) seen.push(event);
  return seen;
}

const deltaText = (events: TaskEvent[]) =>
  events.flatMap((event) => (event.type === 'delta' ? [event.text] : [])).join('');

it('a task that ends within the progress interval publishes only its end; a subscriber still gets every event', async () => {
  const { queue, published, close } = await observedQueue();
  try {
    const id = await queue.submit(queueTestInput);
    const events = streamed(queue, id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const worker = queue.work(scriptedHandler(['Hel', 'lo', '!']), 1);
    await finished(queue, id);
    const seen = await events;
    await worker.close();
    await waitUntil(async () => published.includes('final'));
    expect(published).toEqual(['final']);
    expect(seen.map((event) => (event.type === 'status' ? event.status : event.type))).toEqual([
      'queued',
      'processing',
      'delta',
      'completed',
    ]);
    expect(deltaText(seen)).toBe('Hello!');
  } finally {
    await close();
  }
});

it('a longer task publishes its status once and its text in batches, at most one per interval', async () => {
  const { queue, published, close } = await observedQueue();
  try {
    const parts = Array.from({ length: 12 }, (_, i) => `part${i} `);
    const id = await queue.submit(queueTestInput);
    const events = streamed(queue, id);
    const startedAt = performance.now();
    const worker = queue.work(scriptedHandler(parts, 25), 1);
    await finished(queue, id);
    const elapsedMs = performance.now() - startedAt;
    const seen = await events;
    await worker.close();
    await waitUntil(async () => published.includes('final'));
    expect(published.filter((type) => type === 'status')).toHaveLength(1);
    const deltas = published.filter((type) => type === 'delta').length;
    // One message per part arrived 25 ms apart before; now at most one per 50 ms interval.
    expect(deltas).toBeGreaterThanOrEqual(1);
    expect(deltas).toBeLessThanOrEqual(Math.ceil(elapsedMs / 50) + 1);
    expect(published.at(-1)).toBe('final');
    expect(deltaText(seen)).toBe(parts.join(''));
    expect(seen.at(-1)).toMatchObject({ type: 'completed', state: { text: parts.join('') } });
  } finally {
    await close();
  }
});
