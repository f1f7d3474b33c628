import { modelsField, optionalPositiveIntField, optionalStringField } from '@llm-gateway/openai-compatible';
import { type BackendPlugin, disabled, z } from '@llm-gateway/spec';
import { createOllamaBackend } from './backend.js';

export const configSchema = z.strictObject({
  host: optionalStringField(),
  models: modelsField(['llama3.2']),
  timeoutMs: optionalPositiveIntField(),
});

export type OllamaBackendConfig = z.infer<typeof configSchema>;

const plugin: BackendPlugin<OllamaBackendConfig> = {
  specificationVersion: 'v1',
  kind: 'backend',
  name: 'backend-ollama',
  description: 'Ollama chat and embeddings through the official ollama SDK.',
  configSchema,
  async create(config, host) {
    if (!config.host) return disabled('no host', ['host']);
    return createOllamaBackend({
      name: host.instanceName,
      host: config.host,
      models: config.models,
      timeoutMs: config.timeoutMs,
    });
  },
};

export default plugin;
