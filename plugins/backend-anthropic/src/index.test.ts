import { isDisabled, silentLogger } from '@llm-gateway/spec';
import { backendConformance } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

backendConformance({
  plugin,
  simulator: 'anthropic',
  config: (sim) => ({
    apiKey: 'sk-ant-test',
    baseURL: sim.url,
    models: ['claude-sonnet-4-5'],
    defaultMaxTokens: 4096,
  }),
  model: 'claude-sonnet-4-5',
  // The Messages API has no n.
  unsupported: ['n'],
});

describe('backend-anthropic plugin', () => {
  const host = { instanceName: 'claude', log: silentLogger };

  it('is disabled without an API key, including a blank interpolated one', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ apiKey: '' }), host);
    expect(created).toEqual({ disabled: true, reason: 'no API key', missing: ['apiKey'] });
  });

  it('defaults max_tokens to 4096 and reads numbers written as strings', () => {
    expect(plugin.configSchema.parse({ apiKey: 'k' }).defaultMaxTokens).toBe(4096);
    expect(plugin.configSchema.parse({ apiKey: 'k', defaultMaxTokens: '1024', timeoutMs: '' })).toMatchObject(
      {
        defaultMaxTokens: 1024,
      },
    );
  });

  it('builds a backend serving the configured models', async () => {
    const created = await plugin.create(
      plugin.configSchema.parse({ apiKey: 'k', models: 'claude-a, claude-b' }),
      host,
    );
    if (isDisabled(created)) throw new Error(created.reason);
    expect(await created.models()).toEqual(['claude-a', 'claude-b']);
  });
});
