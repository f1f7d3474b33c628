import { describe, expect, it } from 'vitest';
import { cachedEntry } from '../__fixtures__/cached-entry.js';
import { MemoryCache } from './memory-cache.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MemoryCache', () => {
  it('returns what was stored, as a copy', async () => {
    const cache = new MemoryCache();
    await cache.set('k', cachedEntry('hi'), 60);
    const got = await cache.get('k');
    expect(got).toEqual(cachedEntry('hi'));
    got!.text = 'changed';
    expect((await cache.get('k'))?.text).toBe('hi');
    expect(await cache.get('missing')).toBeUndefined();
  });

  it('expires entries after their TTL', async () => {
    const cache = new MemoryCache();
    await cache.set('k', cachedEntry('hi'), 0.05);
    expect(await cache.get('k')).toBeDefined();
    await wait(80);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 2 });
    await cache.set('a', cachedEntry('a'), 60);
    await cache.set('b', cachedEntry('b'), 60);
    await cache.get('a');
    await cache.set('c', cachedEntry('c'), 60);
    expect(await cache.get('b')).toBeUndefined();
    expect((await cache.get('a'))?.text).toBe('a');
    expect(cache.size).toBe(2);
  });

  it('stores nothing with a non-positive TTL', async () => {
    const cache = new MemoryCache();
    await cache.set('k', cachedEntry('hi'), 0);
    expect(await cache.get('k')).toBeUndefined();
  });
});
