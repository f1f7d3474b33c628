import { describe, expect, it } from 'vitest';
import { anthropicNative, nativeAnthropicBody } from './anthropic-native.js';

describe('anthropic native body', () => {
  const body = {
    model: 'alias',
    max_tokens: 10,
    messages: [],
    cache_control: { type: 'ephemeral' },
    stream: true,
  };

  it('is used only for the anthropic-messages wire', () => {
    const base = { model: 'claude-sonnet-4-5', messages: [] };
    expect(anthropicNative({ ...base, native: { wire: 'anthropic-messages', body } })).toEqual({
      wire: 'anthropic-messages',
      body,
    });
    expect(anthropicNative({ ...base, native: { wire: 'openai-responses', body } })).toBeUndefined();
    expect(anthropicNative(base)).toBeUndefined();
  });

  it('keeps every field but model and stream, which the call sets', () => {
    expect(nativeAnthropicBody({ wire: 'anthropic-messages', body }, 'claude-sonnet-4-5', false)).toEqual({
      ...body,
      model: 'claude-sonnet-4-5',
      stream: false,
    });
    expect(body.model).toBe('alias');
  });
});
