import { backendConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

backendConformance({
  plugin,
  simulator: 'anthropic',
  config: (sim) => ({ apiKey: 'sk-ant-test', baseURL: sim.url, models: ['claude-sonnet-4-5'] }),
  model: 'claude-sonnet-4-5',
  // The Messages API has no n.
  unsupported: ['n'],
});
