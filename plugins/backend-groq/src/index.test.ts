import { mapOpenAICompatibleError } from '@llm-gateway/openai-compatible';
import { isDisabled, silentLogger } from '@llm-gateway/spec';
import Groq from 'groq-sdk';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

const host = { instanceName: 'groq', log: silentLogger };

describe('backend-groq plugin', () => {
  it('is disabled without an API key, including a blank interpolated one', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ apiKey: '' }), host);
    expect(created).toEqual({ disabled: true, reason: 'no API key', missing: ['apiKey'] });
  });

  it('builds a backend serving the default models', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ apiKey: 'gsk-test' }), host);
    if (isDisabled(created)) throw new Error(created.reason);
    expect(await created.models()).toEqual(['llama-3.1-8b-instant', 'llama-3.3-70b-versatile']);
  });
});

describe("mapping groq-sdk's errors", () => {
  it('maps a server error as retryable', () => {
    const sdkError = Groq.APIError.generate(
      503,
      { error: { message: 'over capacity' } },
      undefined,
      new Headers(),
    );
    expect(sdkError).toBeInstanceOf(Groq.InternalServerError);
    expect(mapOpenAICompatibleError('groq', sdkError)).toMatchObject({
      type: 'upstream_error',
      upstreamStatus: 503,
      isRetryable: true,
    });
  });

  it('maps connection errors, timeouts and user aborts', () => {
    expect(mapOpenAICompatibleError('groq', new Groq.APIConnectionError({ message: 'down' })).code).toBe(
      'upstream_unreachable',
    );
    expect(mapOpenAICompatibleError('groq', new Groq.APIConnectionTimeoutError()).type).toBe(
      'upstream_timeout',
    );
    expect(mapOpenAICompatibleError('groq', new Groq.APIUserAbortError()).type).toBe('cancelled');
  });
});
