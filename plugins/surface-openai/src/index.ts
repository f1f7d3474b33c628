import type { SurfacePlugin } from '@llm-gateway/spec';
import { configSchema, type OpenAISurfaceConfig } from './config.js';
import { createOpenAISurface } from './surface.js';

export type { OpenAISurfaceConfig } from './config.js';
export { configSchema } from './config.js';
export { renderError, renderGatewayError } from './openai-errors.js';
export { createOpenAISurface } from './surface.js';

const plugin: SurfacePlugin<OpenAISurfaceConfig> = {
  specificationVersion: 'v1',
  kind: 'surface',
  name: 'surface-openai',
  description:
    'OpenAI-compatible API: /v1/chat/completions (stream and not), /v1/completions, /v1/embeddings, /v1/models, /v1/responses.',
  configSchema,
  async create(config, host) {
    return createOpenAISurface(config, host);
  },
};

export default plugin;
