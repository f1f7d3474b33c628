import { describe, expect, it } from 'vitest';
import { MemorySharedStore } from './memory-shared-store.js';

describe('MemorySharedStore', () => {
  it('forgets an entry once its TTL has passed', async () => {
    let now = 1_000;
    const store = new MemorySharedStore({ maxEntries: 10, maxBytes: 10_000 }, () => now);
    await store.set('a', 'one', 500);
    expect(await store.get('a')).toBe('one');
    now += 501;
    expect(await store.get('a')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the oldest writes first', async () => {
    const store = new MemorySharedStore({ maxEntries: 2, maxBytes: 10_000 });
    await store.set('a', '1', 60_000);
    await store.set('b', '2', 60_000);
    await store.set('c', '3', 60_000);
    expect(await store.get('a')).toBeUndefined();
    expect([await store.get('b'), await store.get('c')]).toEqual(['2', '3']);
  });

  it('keeps at most maxBytes in total and never keeps a value larger than that', async () => {
    const store = new MemorySharedStore({ maxEntries: 100, maxBytes: 100 });
    await store.set('a', 'x'.repeat(40), 60_000);
    await store.set('b', 'y'.repeat(40), 60_000);
    await store.set('c', 'z'.repeat(40), 60_000);
    expect(store.bytes).toBeLessThanOrEqual(100);
    expect(await store.get('a')).toBeUndefined();
    await store.set('huge', 'h'.repeat(200), 60_000);
    expect(await store.get('huge')).toBeUndefined();
    expect(await store.get('c')).toBe('z'.repeat(40));
  });

  it('delete says whether the key was there', async () => {
    const store = new MemorySharedStore({ maxEntries: 10, maxBytes: 1000 });
    await store.set('a', '1', 60_000);
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect(store.bytes).toBe(0);
  });
});
