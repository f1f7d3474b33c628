import { describe, expect, it } from 'vitest';
import { VerificationCache } from './verification-cache.js';

describe('VerificationCache', () => {
  it('keys by client and a digest of the secret, never the secret', () => {
    const cache = new VerificationCache(10, 1000);
    const key = cache.key('client-a', 'super-secret-value');
    expect(key).not.toContain('super-secret-value');
    expect(key.startsWith('client-a\u0000')).toBe(true);
    expect(cache.key('client-a', 'super-secret-value')).toBe(key);
    expect(cache.key('client-a', 'other-secret')).not.toBe(key);
    expect(cache.key('client-b', 'super-secret-value')).not.toBe(key);
  });

  it('forgets entries after the TTL', () => {
    let now = 0;
    const cache = new VerificationCache(10, 1000, () => now);
    cache.add('k');
    now = 999;
    expect(cache.has('k')).toBe(true);
    now = 1000;
    expect(cache.has('k')).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry beyond its size', () => {
    const cache = new VerificationCache(2, 60_000);
    cache.add('a');
    cache.add('b');
    expect(cache.has('a')).toBe(true);
    cache.add('c');
    expect(cache.has('b')).toBe(false);
    expect(cache.has('a')).toBe(true);
    expect(cache.has('c')).toBe(true);
    cache.clear();
    expect(cache.has('a')).toBe(false);
  });

  it('stores nothing when turned off', () => {
    const cache = new VerificationCache(0, 60_000);
    cache.add('a');
    expect(cache.has('a')).toBe(false);
  });
});
