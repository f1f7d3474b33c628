import { randomUUID } from 'node:crypto';
import { queueConformance, type RedisInstance, startRedis } from '@llm-gateway/testkit';
import { afterAll, beforeAll } from 'vitest';
import plugin from './index.js';

let redis: RedisInstance;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

queueConformance({
  plugin,
  config: (settings) => ({ url: redis.url, prefix: `t-${randomUUID().slice(0, 8)}`, ...settings }),
});
