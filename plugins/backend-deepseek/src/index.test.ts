import { isDisabled, silentLogger } from '@llm-gateway/spec';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { mapDeepSeekError } from './errors.js';
import plugin from './index.js';

const host = { instanceName: 'deepseek', log: silentLogger };

describe('backend-deepseek plugin', () => {
  it('is disabled without an API key, including a blank interpolated one', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ apiKey: '' }), host);
    expect(created).toEqual({ disabled: true, reason: 'no API key', missing: ['apiKey'] });
  });

  it('builds a backend serving the default models', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ apiKey: 'sk-test' }), host);
    if (isDisabled(created)) throw new Error(created.reason);
    expect(await created.models()).toEqual(['deepseek-chat', 'deepseek-reasoner']);
  });
});

describe('mapDeepSeekError', () => {
  it('turns an out-of-balance 402 into an upstream error the client cannot fix', () => {
    const sdkError = OpenAI.APIError.generate(
      402,
      { error: { message: 'Insufficient Balance' } },
      undefined,
      new Headers(),
    );
    expect(mapDeepSeekError('deepseek', sdkError)).toMatchObject({
      type: 'upstream_error',
      status: 502,
      upstreamStatus: 402,
      code: 'upstream_insufficient_balance',
    });
  });

  it('leaves other errors to the shared mapping', () => {
    const sdkError = OpenAI.APIError.generate(429, { error: { message: 'busy' } }, undefined, new Headers());
    expect(mapDeepSeekError('deepseek', sdkError)).toBeUndefined();
  });
});
