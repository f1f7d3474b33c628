import type { SurfacePlugin } from '@llm-gateway/spec';
import { configSchema, type DspConfig } from './config.js';
import { createDspSurface } from './surface.js';

export type { DspConfig, DspConfigInput } from './config.js';
export { configSchema } from './config.js';
export { createDspSurface, ENDPOINTS, type ResolvedGenerate, resolveGenerate } from './surface.js';

const plugin: SurfacePlugin<DspConfig> = {
  specificationVersion: 'v1',
  kind: 'surface',
  name: 'surface-dsp',
  description:
    "The DSP AI Gateway's API: /api/v1/generate and /api/v1/clients/reload, per-client permissions.",
  configSchema,
  async create(config, host) {
    return createDspSurface(config, host);
  },
};

export default plugin;
