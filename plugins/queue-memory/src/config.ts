import { taskQueueSettings } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';

/** The settings every queue plugin shares: time limit, retention and the bounds on what is held. */
export const configSchema = z.strictObject(taskQueueSettings);

export type MemoryQueueConfig = z.output<typeof configSchema>;
