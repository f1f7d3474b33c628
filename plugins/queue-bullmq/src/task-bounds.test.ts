import { randomUUID } from 'node:crypto';
import { isDisabled, silentLogger, type TaskQueue } from '@llm-gateway/spec';
import { finished, queueTestInput, scriptedHandler, useRedis, waitUntil } from '@llm-gateway/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import plugin from './index.js';

const redis = useRedis();
let spy: Redis;
beforeAll(() => {
  spy = new Redis(redis.url);
});
afterAll(() => spy?.disconnect());

async function openQueue(settings: Record<string, unknown>, deployment?: string): Promise<TaskQueue> {
  const config = plugin.configSchema.parse({ url: redis.url, progressIntervalMs: 20, ...settings });
  const host = { instanceName: 'tasks', log: silentLogger, ...(deployment ? { deployment } : {}) };
  const created = await plugin.create(config, host);
  if (isDisabled(created)) throw new Error('disabled');
  return created;
}

const largeInput = {
  ...queueTestInput,
  request: { ...queueTestInput.request, messages: [{ role: 'user' as const, content: 'x'.repeat(200_000) }] },
};

// Regression: a finished job kept its whole input (and its streamed text) in Redis until RESULT_TTL.
it("a finished task's input and streamed text leave Redis; its status keeps its owner and model", async () => {
  const prefix = `bounds-${randomUUID().slice(0, 8)}`;
  const queue = await openQueue({ prefix });
  try {
    const worker = queue.work(scriptedHandler(['one ', 'two ', 'three'], 30), 1);
    const id = await queue.submit(largeInput);
    await waitUntil(async () => (await spy.exists(`${prefix}:tasks:task:${id}:text`)) === 1);
    const state = await finished(queue, id);
    await worker.close();
    expect(state).toMatchObject({ status: 'completed', text: 'one two three', owner: 'keys:key-a' });
    await waitUntil(async () => ((await spy.hget(`${prefix}:tasks:${id}`, 'data'))?.length ?? 0) < 1000);
    expect(await spy.exists(`${prefix}:tasks:task:${id}:text`)).toBe(0);
    expect(await queue.get(id)).toMatchObject({
      owner: 'keys:key-a',
      model: 'test-model',
      text: 'one two three',
    });
  } finally {
    await queue.close();
  }
});

// Regression: two deployments on one Redis with the default names ran each other's tasks.
it('deployments without a prefix get their own key space: one never runs or reads the other tasks', async () => {
  const inference = await openQueue({}, `inference-${randomUUID().slice(0, 8)}`);
  const gateway = await openQueue({}, `gateway-${randomUUID().slice(0, 8)}`);
  try {
    const ran: string[] = [];
    const worker = gateway.work(async (input, progress) => {
      ran.push(progress.taskId);
      return scriptedHandler(['gateway'])(input, progress);
    }, 1);
    const id = await inference.submit(queueTestInput);
    const own = await gateway.submit(queueTestInput);
    await finished(gateway, own);
    await worker.close();
    expect(ran).toEqual([own]);
    expect(await gateway.get(id)).toBeUndefined();
    expect((await inference.get(id))?.status).toBe('queued');
  } finally {
    await Promise.all([inference.close(), gateway.close()]);
  }
});

it('an explicit prefix is used as configured, whatever the deployment', async () => {
  const prefix = `explicit-${randomUUID().slice(0, 8)}`;
  const queue = await openQueue({ prefix }, 'some-service');
  try {
    const id = await queue.submit(queueTestInput);
    expect(await spy.exists(`${prefix}:tasks:${id}`)).toBe(1);
  } finally {
    await queue.close();
  }
});

it('a blank queue name takes the default; one with ":" (which BullMQ refuses) is a config error', () => {
  expect(plugin.configSchema.parse({ url: redis.url, queueName: '' }).queueName).toBe('tasks');
  const refused = plugin.configSchema.safeParse({ url: redis.url, queueName: 'a:b' });
  expect(refused.success).toBe(false);
});
