import { backendConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

backendConformance({
  plugin,
  simulator: 'openai',
  config: (sim) => ({ apiKey: 'sk-test', baseURL: sim.url, models: ['deepseek-chat'] }),
  model: 'deepseek-chat',
});
