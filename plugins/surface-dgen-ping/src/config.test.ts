import { describe, expect, it } from 'vitest';
import { configSchema } from './config.js';

describe('dgen-ping surface config', () => {
  it('reads the strings env interpolation yields; blank means unset', () => {
    expect(
      configSchema.parse({
        tokenSecret: '',
        simpleTokenEndpoint: 'false',
        defaultModel: '',
        defaultMaxTokens: '10000',
        defaultTemperature: '0.3',
      }),
    ).toEqual({ simpleTokenEndpoint: false, defaultMaxTokens: 10000, defaultTemperature: 0.3 });
    expect(configSchema.parse({ simpleTokenEndpoint: 'TRUE' }).simpleTokenEndpoint).toBe(true);
  });

  it('has the seed defaults', () => {
    expect(configSchema.parse({})).toEqual({
      simpleTokenEndpoint: false,
      defaultMaxTokens: 2000,
      defaultTemperature: 0.7,
    });
  });

  it('refuses values that are not what they claim, naming the key', () => {
    const result = configSchema.safeParse({
      defaultMaxTokens: 'lots',
      simpleTokenEndpoint: 'maybe',
      extra: 1,
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join('.') || issue.code);
    expect(paths).toEqual(expect.arrayContaining(['defaultMaxTokens', 'simpleTokenEndpoint']));
    expect(configSchema.safeParse({ defaultTemperature: '3' }).success).toBe(false);
  });
});
