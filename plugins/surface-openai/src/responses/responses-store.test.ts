import type { Principal } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { responseObject } from './map-responses-output.js';
import { MemorySharedStore } from './memory-shared-store.js';
import { ResponsesStore, type StoredResponse } from './responses-store.js';

const alice: Principal = { id: 'alice', kind: 'api_key', scheme: 'keys' };
// Same id under another auth scheme: a different principal.
const aliceJwt: Principal = { id: 'alice', kind: 'user', scheme: 'jwt' };

function record(id: string, owner: string): StoredResponse {
  const response = responseObject(
    { input: 'Hi' },
    { id, createdAt: 1, model: 'm', status: 'completed', store: true, background: false },
  );
  return { owner, response, inputItems: [], history: [] };
}

describe('ResponsesStore', () => {
  it('only the principal that created a response (by principalKey) can read or delete it', async () => {
    const store = new ResponsesStore(new MemorySharedStore({ maxEntries: 10, maxBytes: 1e6 }), {
      ttlMs: 60_000,
      maxRecordBytes: 1e6,
    });
    await store.save(record('resp_1', 'keys:alice'));
    expect((await store.load('resp_1', alice))?.response.id).toBe('resp_1');
    expect(await store.load('resp_1', aliceJwt)).toBeUndefined();
    expect(await store.remove('resp_1', aliceJwt)).toBe(false);
    expect(await store.remove('resp_1', alice)).toBe(true);
    expect(await store.load('resp_1', alice)).toBeUndefined();
  });

  it('a stored response expires after the TTL', async () => {
    let now = 0;
    const store = new ResponsesStore(new MemorySharedStore({ maxEntries: 10, maxBytes: 1e6 }, () => now), {
      ttlMs: 1000,
      maxRecordBytes: 1e6,
    });
    await store.save(record('resp_2', 'keys:alice'));
    now = 999;
    expect(await store.load('resp_2', alice)).toBeDefined();
    now = 1000;
    expect(await store.load('resp_2', alice)).toBeUndefined();
  });

  it('refuses to keep a record over maxRecordBytes', async () => {
    const store = new ResponsesStore(new MemorySharedStore({ maxEntries: 10, maxBytes: 1e6 }), {
      ttlMs: 1000,
      maxRecordBytes: 100,
    });
    expect(await store.save(record('resp_3', 'keys:alice'))).toBe(false);
    expect(await store.load('resp_3', alice)).toBeUndefined();
  });

  it('a store that fails answers 503 store_unavailable, not a crash', async () => {
    const broken = {
      kind: 'redis' as const,
      get: async () => {
        throw new Error('ECONNREFUSED');
      },
      set: async () => {},
      delete: async () => false,
    };
    const store = new ResponsesStore(broken, { ttlMs: 1000, maxRecordBytes: 1e6 });
    await expect(store.load('resp_4', alice)).rejects.toMatchObject({
      status: 503,
      code: 'store_unavailable',
    });
  });
});
