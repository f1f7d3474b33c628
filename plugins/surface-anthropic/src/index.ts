import type { SurfacePlugin } from '@llm-gateway/spec';
import { type AnthropicSurfaceConfig, configSchema } from './config.js';
import { createAnthropicSurface } from './surface.js';

export { renderError, renderGatewayError } from './anthropic-errors.js';
export type { AnthropicSurfaceConfig } from './config.js';
export { configSchema } from './config.js';
export { createAnthropicSurface } from './surface.js';

const plugin: SurfacePlugin<AnthropicSurfaceConfig> = {
  specificationVersion: 'v1',
  kind: 'surface',
  name: 'surface-anthropic',
  description:
    'Anthropic Messages API: /v1/messages (stream and not), /v1/messages/count_tokens, /v1/models in its shape.',
  configSchema,
  async create(config, host) {
    return createAnthropicSurface(config, host);
  },
};

export default plugin;
