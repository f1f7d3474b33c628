import { describe, expect, it } from 'vitest';
import { MemoryCache } from './memory-cache.js';
import type { CachedResponse } from './response-cache.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const entry = (text: string): CachedResponse => ({
  text,
  finishReason: 'stop',
  usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
  model: 'm',
  backend: 'b',
  createdAt: 1,
});

describe('MemoryCache', () => {
  it('returns what was stored, as a copy', async () => {
    const cache = new MemoryCache();
    await cache.set('k', entry('hi'), 60);
    const got = await cache.get('k');
    expect(got).toEqual(entry('hi'));
    got!.text = 'changed';
    expect((await cache.get('k'))?.text).toBe('hi');
    expect(await cache.get('missing')).toBeUndefined();
  });

  it('expires entries after their TTL', async () => {
    const cache = new MemoryCache();
    await cache.set('k', entry('hi'), 0.05);
    expect(await cache.get('k')).toBeDefined();
    await wait(80);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 2 });
    await cache.set('a', entry('a'), 60);
    await cache.set('b', entry('b'), 60);
    await cache.get('a');
    await cache.set('c', entry('c'), 60);
    expect(await cache.get('b')).toBeUndefined();
    expect((await cache.get('a'))?.text).toBe('a');
    expect(cache.size).toBe(2);
  });

  it('stores nothing with a non-positive TTL', async () => {
    const cache = new MemoryCache();
    await cache.set('k', entry('hi'), 0);
    expect(await cache.get('k')).toBeUndefined();
  });
});
