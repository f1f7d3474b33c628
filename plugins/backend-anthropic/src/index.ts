import Anthropic from '@anthropic-ai/sdk';
import {
  modelsField,
  optionalPositiveIntField,
  optionalStringField,
  upstreamFetch,
} from '@llm-gateway/openai-compatible';
import { type BackendPlugin, disabled, z } from '@llm-gateway/spec';
import { createAnthropicBackend } from './anthropic-backend.js';

export { type AnthropicBackendOptions, createAnthropicBackend } from './anthropic-backend.js';

/** The SDK's own wait for a non-streamed answer: passing it keeps the SDK from refusing large max_tokens. */
const sdkDefaultTimeoutMs = 600_000;

export const configSchema = z.strictObject({
  apiKey: optionalStringField(),
  baseURL: optionalStringField(),
  models: modelsField(['claude-sonnet-4-5', 'claude-haiku-4-5']),
  /** `max_tokens` sent when a request sets none: Anthropic requires the field. */
  defaultMaxTokens: optionalPositiveIntField().default(4096),
  timeoutMs: optionalPositiveIntField(),
});

export type AnthropicBackendConfig = z.infer<typeof configSchema>;

const plugin: BackendPlugin<AnthropicBackendConfig> = {
  specificationVersion: 'v1',
  kind: 'backend',
  name: 'backend-anthropic',
  description:
    'Anthropic Claude through the official @anthropic-ai/sdk (normalized and native Messages requests).',
  configSchema,
  async create(config, host) {
    if (!config.apiKey) return disabled('no API key', ['apiKey']);
    const client = new Anthropic({
      apiKey: config.apiKey,
      baseURL: config.baseURL ?? null,
      // Retries belong to the gateway core (it also falls back to other backends), so the SDK makes none.
      maxRetries: 0,
      timeout: config.timeoutMs ?? sdkDefaultTimeoutMs,
      // undici's request on a keep-alive pool: the SDK's default (global fetch) costs far more CPU per call.
      fetch: upstreamFetch,
      // The gateway traces each attempt and forwards its own trace context; SDK spans would double them.
      openTelemetry: false,
      // The gateway logs failures itself; SDK console lines (or ANTHROPIC_LOG=debug) would bypass its logger.
      logLevel: 'off',
    });
    return createAnthropicBackend({
      name: host.instanceName,
      client,
      models: config.models,
      defaultMaxTokens: config.defaultMaxTokens,
    });
  },
};

export default plugin;
