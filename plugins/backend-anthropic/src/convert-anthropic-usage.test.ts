import { describe, expect, it } from 'vitest';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';

describe('convertAnthropicUsage', () => {
  it('counts prompt-cache writes and reads as prompt tokens', () => {
    expect(
      convertAnthropicUsage({
        input_tokens: 10,
        cache_creation_input_tokens: 200,
        cache_read_input_tokens: 3000,
        output_tokens: 42,
      }),
    ).toEqual({ promptTokens: 3210, completionTokens: 42, totalTokens: 3252 });
  });

  it('reads absent and null counts as zero', () => {
    expect(convertAnthropicUsage({ input_tokens: 5, cache_read_input_tokens: null })).toEqual({
      promptTokens: 5,
      completionTokens: 0,
      totalTokens: 5,
    });
  });
});
