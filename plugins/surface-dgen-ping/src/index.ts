import type { SurfacePlugin } from '@llm-gateway/spec';
import { configSchema, type DgenPingConfig } from './config.js';
import { createDgenPingSurface } from './surface.js';

export type { DgenPingConfig, DgenPingConfigInput } from './config.js';
export { configSchema } from './config.js';
export { createDgenPingSurface } from './surface.js';

const plugin: SurfacePlugin<DgenPingConfig> = {
  specificationVersion: 'v1',
  kind: 'surface',
  name: 'surface-dgen-ping',
  description: "dgen-ping's API: /api/llm/completion (and /chat), JWT tokens, custom telemetry, /info.",
  configSchema,
  async create(config, host) {
    return createDgenPingSurface(config, host);
  },
};

export default plugin;
