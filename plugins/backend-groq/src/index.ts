import {
  createOpenAICompatibleBackend,
  leanSdkClient,
  type OpenAICompatibleConfig,
  openAICompatibleConfigSchema,
  sdkClientOptions,
} from '@llm-gateway/openai-compatible';
import type { ChatFeature } from '@llm-gateway/plugin-kit';
import { type BackendPlugin, disabled } from '@llm-gateway/spec';
import Groq from 'groq-sdk';

export const GROQ_BASE_URL = 'https://api.groq.com';

/** Groq documents n=1 only and no logprobs or logit_bias; its chat models take no audio parts. */
export const groqUnsupported: readonly ChatFeature[] = ['n', 'logprobs', 'logitBias', 'audioParts'];

export const configSchema = openAICompatibleConfigSchema(['llama-3.1-8b-instant', 'llama-3.3-70b-versatile']);

const plugin: BackendPlugin<OpenAICompatibleConfig> = {
  specificationVersion: 'v1',
  kind: 'backend',
  name: 'backend-groq',
  description: 'Groq chat completions through the official groq-sdk.',
  configSchema,
  async create(config, host) {
    if (!config.apiKey) return disabled('no API key', ['apiKey']);
    // The SDK builds the constant request headers once and arms no timer of its own per request (fetch.ts).
    const client = leanSdkClient(new Groq(sdkClientOptions(config, GROQ_BASE_URL)));
    return createOpenAICompatibleBackend({
      name: host.instanceName,
      client,
      models: config.models,
      unsupported: groqUnsupported,
    });
  },
};

export default plugin;
