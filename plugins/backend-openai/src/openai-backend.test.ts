import { backendConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

backendConformance({
  plugin,
  simulator: 'openai',
  config: (sim) => ({ apiKey: 'sk-test', baseURL: `${sim.url}/v1`, models: ['gpt-4o-mini'] }),
  model: 'gpt-4o-mini',
});
