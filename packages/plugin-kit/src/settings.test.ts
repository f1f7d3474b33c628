import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { blankSetting, flagSetting } from './settings.js';

describe('profile setting readers', () => {
  it('read blank and null as absent, and leave everything else alone', () => {
    expect(blankSetting('')).toBe(undefined);
    expect(blankSetting(null)).toBe(undefined);
    expect(blankSetting(' ')).toBe(' ');
    expect(blankSetting(0)).toBe(0);
  });

  it('read flags from their words, and leave other words for the schema to refuse', () => {
    for (const word of ['true', 'TRUE', ' yes ', '1', 'on']) expect(flagSetting(word), word).toBe(true);
    for (const word of ['false', 'No', '0', 'off']) expect(flagSetting(word), word).toBe(false);
    expect(flagSetting('')).toBe(undefined);
    expect(flagSetting(true)).toBe(true);
    const flag = z.preprocess(flagSetting, z.boolean().default(true));
    expect(flag.parse('')).toBe(true);
    expect(flag.parse('off')).toBe(false);
    expect(flag.safeParse('maybe').success).toBe(false);
  });
});
