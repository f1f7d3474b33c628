import { isDisabled, silentLogger } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

const host = { instanceName: 'ollama', log: silentLogger };

describe('backend-ollama plugin', () => {
  it('is disabled without a host, including a blank interpolated one', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ host: '' }), host);
    expect(created).toEqual({ disabled: true, reason: 'no host', missing: ['host'] });
  });

  it('builds a backend serving the default models', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ host: 'http://127.0.0.1:11434' }), host);
    if (isDisabled(created)) throw new Error(created.reason);
    expect(await created.models()).toEqual(['llama3.2']);
  });
});
