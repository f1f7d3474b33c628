import {
  createOpenAICompatibleBackend,
  leanSdkClient,
  type OpenAICompatibleConfig,
  openAICompatibleConfigSchema,
  sdkClientOptions,
} from '@llm-gateway/openai-compatible';
import type { ChatFeature } from '@llm-gateway/plugin-kit';
import { type BackendPlugin, disabled } from '@llm-gateway/spec';
import OpenAI from 'openai';
import { mapDeepSeekError } from './errors.js';

export const DEEPSEEK_BASE_URL = 'https://api.deepseek.com';

/** What DeepSeek's chat API does not document: several choices, images, audio, json_schema, logit_bias. */
export const deepSeekUnsupported: readonly ChatFeature[] = [
  'n',
  'imageParts',
  'audioParts',
  'jsonSchema',
  'logitBias',
];

export const configSchema = openAICompatibleConfigSchema(['deepseek-chat', 'deepseek-reasoner']);

const plugin: BackendPlugin<OpenAICompatibleConfig> = {
  specificationVersion: 'v1',
  kind: 'backend',
  name: 'backend-deepseek',
  description: 'DeepSeek chat completions through the openai SDK pointed at DeepSeek.',
  configSchema,
  async create(config, host) {
    if (!config.apiKey) return disabled('no API key', ['apiKey']);
    const name = host.instanceName;
    // The SDK builds the constant request headers once and arms no timer of its own per request (fetch.ts).
    const client = leanSdkClient(new OpenAI(sdkClientOptions(config, DEEPSEEK_BASE_URL)));
    return createOpenAICompatibleBackend({
      name,
      client,
      models: config.models,
      mapError: (error) => mapDeepSeekError(name, error),
      unsupported: deepSeekUnsupported,
    });
  },
};

export default plugin;
