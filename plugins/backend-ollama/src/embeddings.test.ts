import { embeddingsConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

embeddingsConformance({
  plugin,
  simulator: 'ollama',
  config: (sim) => ({ host: sim.url, models: ['all-minilm'] }),
  model: 'all-minilm',
  tokenArrays: false,
});
