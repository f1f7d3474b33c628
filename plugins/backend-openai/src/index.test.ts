import { mapOpenAICompatibleError } from '@llm-gateway/openai-compatible';
import { isDisabled, silentLogger } from '@llm-gateway/spec';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

const host = { instanceName: 'openai', log: silentLogger };

describe('backend-openai plugin', () => {
  it('is disabled without an API key, including a blank interpolated one', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ apiKey: '' }), host);
    expect(created).toEqual({ disabled: true, reason: 'no API key', missing: ['apiKey'] });
  });

  it('builds a backend named after its instance, serving the default models', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ apiKey: 'sk-test' }), host);
    if (isDisabled(created)) throw new Error(created.reason);
    expect(created.name).toBe('openai');
    expect(await created.models()).toEqual(['gpt-4o-mini', 'gpt-4o']);
  });
});

describe("mapping the openai SDK's errors", () => {
  it('maps a rate limit with Retry-After', () => {
    const sdkError = OpenAI.APIError.generate(
      429,
      { error: { message: 'Rate limit reached' } },
      undefined,
      new Headers({ 'retry-after': '2' }),
    );
    expect(sdkError).toBeInstanceOf(OpenAI.RateLimitError);
    expect(mapOpenAICompatibleError('openai', sdkError)).toMatchObject({
      type: 'rate_limited',
      upstreamStatus: 429,
      retryAfterMs: 2000,
      backend: 'openai',
    });
  });

  it('maps connection errors, timeouts and user aborts', () => {
    expect(
      mapOpenAICompatibleError('openai', new OpenAI.APIConnectionError({ message: 'down' })),
    ).toMatchObject({
      type: 'upstream_error',
      code: 'upstream_unreachable',
    });
    expect(mapOpenAICompatibleError('openai', new OpenAI.APIConnectionTimeoutError()).type).toBe(
      'upstream_timeout',
    );
    expect(mapOpenAICompatibleError('openai', new OpenAI.APIUserAbortError()).type).toBe('cancelled');
  });

  it('maps an error event inside a stream', () => {
    const sdkError = new OpenAI.APIError(
      undefined,
      { message: 'server overloaded' },
      undefined,
      new Headers(),
    );
    expect(mapOpenAICompatibleError('openai', sdkError)).toMatchObject({
      type: 'upstream_error',
      code: 'upstream_stream_error',
    });
  });
});
