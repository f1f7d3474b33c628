import { describe, expect, it } from 'vitest';
import { configSchema } from './config.js';

describe('dsp surface config', () => {
  it('reads the strings env interpolation yields; blank means unset', () => {
    expect(
      configSchema.parse({
        defaultProvider: '',
        defaultModel: '',
        defaultMaxTokens: '300',
        defaultTemperature: '1',
      }),
    ).toEqual({ defaultMaxTokens: 300, defaultTemperature: 1 });
  });

  it('has the seed defaults', () => {
    expect(configSchema.parse({ defaultProvider: 'groq', defaultModel: 'mixtral-8x7b-32768' })).toEqual({
      defaultProvider: 'groq',
      defaultModel: 'mixtral-8x7b-32768',
      defaultMaxTokens: 150,
      defaultTemperature: 0.7,
    });
  });

  it('refuses a provider that is not a backend instance name and non-numbers', () => {
    expect(configSchema.safeParse({ defaultProvider: 'groq/x' }).success).toBe(false);
    expect(configSchema.safeParse({ defaultMaxTokens: 'many' }).success).toBe(false);
    expect(configSchema.safeParse({ unknown: true }).success).toBe(false);
  });
});
