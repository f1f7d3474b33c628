import {
  createOpenAICompatibleBackend,
  leanSdkClient,
  type OpenAICompatibleConfig,
  openAICompatibleConfigSchema,
  upstreamFetch,
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
    // Retries belong to the gateway core (it also falls back to other backends), so the SDK makes none.
    // The SDK builds the constant request headers once and arms no timer of its own per request (fetch.ts).
    const client = leanSdkClient(
      new OpenAI({
        apiKey: config.apiKey,
        baseURL: config.baseURL ?? DEEPSEEK_BASE_URL,
        maxRetries: 0,
        timeout: config.timeoutMs,
        // undici's request on a keep-alive pool: the SDK's default (global fetch) costs far more CPU per call.
        fetch: upstreamFetch,
      }),
    );
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
