import { describe, expect, it } from 'vitest';
import { decodeEmbedding } from './decode-embedding.js';

const base64Of = (values: number[]) => Buffer.from(Float32Array.from(values).buffer).toString('base64');

describe('decodeEmbedding', () => {
  it('decodes base64 little-endian float32, the form the gateway asks for', () => {
    expect(decodeEmbedding(base64Of([0.5, -0.25, 1]))).toEqual([0.5, -0.25, 1]);
    expect(decodeEmbedding('')).toEqual([]);
  });

  it('passes a float array through, as self-hosted upstreams answer despite base64', () => {
    expect(decodeEmbedding([0.1, -0.2, 0.3])).toEqual([0.1, -0.2, 0.3]);
  });

  it('refuses anything else: objects, mixed arrays, non-finite values, text that is not whole float32 base64', () => {
    for (const value of [
      undefined,
      null,
      42,
      { 0: 1 },
      [0.1, '0.2'],
      [0.1, null],
      'not base64!',
      'AAA=',
      'AAAAAAA=',
      base64Of([Number.NaN]),
      base64Of([Number.POSITIVE_INFINITY]),
    ]) {
      expect(decodeEmbedding(value), JSON.stringify(value)).toBeUndefined();
    }
  });
});
