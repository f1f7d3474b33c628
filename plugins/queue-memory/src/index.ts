import type { QueuePlugin } from '@llm-gateway/spec';
import { configSchema, type MemoryQueueConfig } from './config.js';
import { createMemoryQueue } from './memory-queue.js';

export type { MemoryQueueConfig } from './config.js';
export { configSchema } from './config.js';
export { createMemoryQueue } from './memory-queue.js';

const plugin: QueuePlugin<MemoryQueueConfig> = {
  specificationVersion: 'v1',
  kind: 'queue',
  name: 'queue-memory',
  description: 'Tasks in this process only: no services, lost on restart, not shared between instances.',
  configSchema,
  async create(config, host) {
    return createMemoryQueue(config, host.instanceName);
  },
};

export default plugin;
