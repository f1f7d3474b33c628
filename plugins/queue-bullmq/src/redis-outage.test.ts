import { isDisabled, isGatewayError, silentLogger, type TaskQueue } from '@llm-gateway/spec';
import {
  finished,
  queueTestInput,
  type RedisInstance,
  scriptedHandler,
  startRedis,
} from '@llm-gateway/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import plugin from './index.js';

let redis: RedisInstance;
beforeAll(async () => {
  redis = await startRedis({ persistent: true });
});
afterAll(async () => {
  await redis?.stop();
});

it('Redis away: submit and get refuse with a retryable 503 (no task id); tasks accepted before run once it is back', async () => {
  const config = plugin.configSchema.parse({ url: redis.url, lockSeconds: 1, stalledIntervalSeconds: 0.5 });
  const created = await plugin.create(config, { instanceName: 'tasks', log: silentLogger });
  if (isDisabled(created)) throw new Error('disabled');
  const queue: TaskQueue = created;
  try {
    const before = await queue.submit(queueTestInput);
    await redis.shutdown();
    const refused = await queue.submit(queueTestInput).catch((error: unknown) => error);
    expect(isGatewayError(refused)).toBe(true);
    expect(refused).toMatchObject({ status: 503, code: 'queue_unavailable', isRetryable: true });
    // Regression: reading a task while Redis was away threw Redis's own error (a 500 at /status).
    const unread = await queue.get(before).catch((error: unknown) => error);
    expect(unread).toMatchObject({ status: 503, code: 'queue_unavailable', isRetryable: true });
    expect((unread as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
    await redis.restart();
    const after = await queue.submit(queueTestInput);
    const worker = queue.work(scriptedHandler(['back']), 2);
    for (const id of [before, after]) expect((await finished(queue, id, 20_000)).text).toBe('back');
    await worker.close();
  } finally {
    await queue.close();
  }
}, 40_000);
