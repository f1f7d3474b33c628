import { embeddingsConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

embeddingsConformance({
  plugin,
  simulator: 'openai',
  config: (sim) => ({ apiKey: 'sk-test', baseURL: `${sim.url}/v1`, models: ['text-embedding-3-small'] }),
  model: 'text-embedding-3-small',
  tokenArrays: true,
});
