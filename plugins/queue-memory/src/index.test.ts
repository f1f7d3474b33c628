import { queueConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

queueConformance({ plugin, config: (settings) => settings });
