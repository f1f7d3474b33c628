import { disabled, type QueuePlugin } from '@llm-gateway/spec';
import { createBullmqQueue } from './bullmq-queue.js';
import { type BullmqQueueConfig, configSchema } from './config.js';

export { createBullmqQueue } from './bullmq-queue.js';
export type { BullmqQueueConfig } from './config.js';
export { configSchema } from './config.js';

const plugin: QueuePlugin<BullmqQueueConfig> = {
  specificationVersion: 'v1',
  kind: 'queue',
  name: 'queue-bullmq',
  description: 'Tasks in Redis via BullMQ: shared by every instance, retried when a worker dies.',
  configSchema,
  async create(config, host) {
    if (!config.url) return disabled('no Redis URL (REDIS_URL)');
    return createBullmqQueue({ ...config, url: config.url }, host.log, host.instanceName, host.deployment);
  },
};

export default plugin;
