import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { isDisabled, silentLogger, type TaskEvent, type TaskQueue } from '@llm-gateway/spec';
import { finished, queueTestInput, scriptedHandler, useRedis, waitUntil } from '@llm-gateway/testkit';
import { expect, it } from 'vitest';
import plugin from './index.js';

const redis = useRedis();

const fixture = fileURLToPath(new URL('./__fixtures__/hanging-worker.mjs', import.meta.url));

it('a worker SIGKILLed mid-task: another worker runs the task again and it completes, text streamed once', async () => {
  const config = {
    url: redis.url,
    prefix: `crash-${randomUUID().slice(0, 8)}`,
    lockSeconds: 1,
    stalledIntervalSeconds: 0.5,
  };
  const created = await plugin.create(plugin.configSchema.parse(config), {
    instanceName: 'tasks',
    log: silentLogger,
  });
  if (isDisabled(created)) throw new Error('disabled');
  const queue: TaskQueue = created;
  const child = spawn(process.execPath, [fixture, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const id = await queue.submit(queueTestInput);
    const seen: TaskEvent[] = [];
    const events = (async () => {
      for await (const event of queue.events(id)) seen.push(event);
    })();
    await waitUntil(async () => (await queue.get(id))?.text === 'partial ', 15_000);
    child.kill('SIGKILL');
    const worker = queue.work(scriptedHandler(['partial ', 'and the rest']), 1);
    const state = await finished(queue, id, 20_000);
    await events;
    await worker.close();
    expect(state).toMatchObject({ status: 'completed', text: 'partial and the rest' });
    const streamed = seen.flatMap((event) => (event.type === 'delta' ? [event.text] : [])).join('');
    expect(streamed).toBe('partial and the rest');
    expect(seen.at(-1)?.type).toBe('completed');
  } finally {
    child.kill('SIGKILL');
    await queue.close();
  }
}, 40_000);
