import {
  createOpenAICompatibleBackend,
  leanSdkClient,
  type OpenAICompatibleConfig,
  openAICompatibleConfigSchema,
  upstreamFetch,
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
    // Retries belong to the gateway core (it also falls back to other backends), so the SDK makes none.
    // The SDK builds the constant request headers once and arms no timer of its own per request (fetch.ts).
    const client = leanSdkClient(
      new OpenAI({
        apiKey: config.apiKey,
        baseURL: config.baseURL,
        maxRetries: 0,
        timeout: config.timeoutMs,
        // undici's request on a keep-alive pool: the SDK's default (global fetch) costs far more CPU per call.
        fetch: upstreamFetch,
      }),
    );
    return createOpenAICompatibleBackend({
      name: host.instanceName,
      client,
      models: config.models,
      embeddings: true,
    });
  },
};

export default plugin;
