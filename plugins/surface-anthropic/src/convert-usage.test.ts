import { describe, expect, it } from 'vitest';
import { convertUsage } from './convert-usage.js';

describe('convertUsage', () => {
  it('maps prompt and completion tokens; no usage reads as zero', () => {
    expect(convertUsage({ promptTokens: 5, completionTokens: 7, totalTokens: 12 })).toEqual({
      input_tokens: 5,
      output_tokens: 7,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    expect(convertUsage(undefined).input_tokens).toBe(0);
  });
});
