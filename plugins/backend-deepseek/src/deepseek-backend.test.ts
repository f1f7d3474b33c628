import { backendConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

backendConformance({
  plugin,
  simulator: 'openai',
  config: (sim) => ({ apiKey: 'sk-test', baseURL: sim.url, models: ['deepseek-chat'] }),
  model: 'deepseek-chat',
  // DeepSeek's chat API documents no n, images or json_schema: the backend answers 400 for them.
  unsupported: ['n', 'image', 'json-schema'],
});
