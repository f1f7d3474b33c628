import {
  createOpenAICompatibleBackend,
  leanSdkClient,
  type OpenAICompatibleConfig,
  openAICompatibleConfigSchema,
  sdkClientOptions,
} from '@llm-gateway/openai-compatible';
import { type BackendPlugin, disabled } from '@llm-gateway/spec';
import OpenAI from 'openai';

export const configSchema = openAICompatibleConfigSchema(['gpt-4o-mini', 'gpt-4o']);

const plugin: BackendPlugin<OpenAICompatibleConfig> = {
  specificationVersion: 'v1',
  kind: 'backend',
  name: 'backend-openai',
  description: 'OpenAI chat completions and embeddings through the official openai SDK.',
  configSchema,
  async create(config, host) {
    if (!config.apiKey) return disabled('no API key', ['apiKey']);
    // The SDK builds the constant request headers once and arms no timer of its own per request (fetch.ts).
    const client = leanSdkClient(new OpenAI(sdkClientOptions(config, undefined)));
    return createOpenAICompatibleBackend({
      name: host.instanceName,
      client,
      models: config.models,
      embeddings: true,
    });
  },
};

export default plugin;
