import { backendConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

backendConformance({
  plugin,
  simulator: 'openai',
  config: (sim) => ({ apiKey: 'gsk-test', baseURL: sim.url, models: ['llama-3.1-8b-instant'] }),
  model: 'llama-3.1-8b-instant',
  // Groq documents n = 1 only.
  unsupported: ['n'],
});
