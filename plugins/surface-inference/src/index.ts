import type { SurfacePlugin } from '@llm-gateway/spec';
import { configSchema, type InferenceConfig } from './config.js';
import { createInferenceSurface } from './surface.js';

export type { InferenceConfig } from './config.js';
export { configSchema } from './config.js';
export { createInferenceSurface, RATE_LIMIT_BODY } from './surface.js';

const plugin: SurfacePlugin<InferenceConfig> = {
  specificationVersion: 'v1',
  kind: 'surface',
  name: 'surface-inference',
  description:
    'The LLM Inference System API: async tasks with /generate, /status, /result and /stream (SSE).',
  configSchema,
  async create(config, host) {
    return createInferenceSurface(config, host);
  },
};

export default plugin;
