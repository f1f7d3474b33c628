import { backendConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

backendConformance({
  plugin,
  simulator: 'ollama',
  config: (sim) => ({ host: sim.url, models: ['llama3.2'] }),
  model: 'llama3.2',
  // Ollama's /api/chat has no n.
  unsupported: ['n'],
});
