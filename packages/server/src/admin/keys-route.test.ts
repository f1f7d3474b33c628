import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { KeyRecords } from '../keys/key-records.js';
import { createKeyStore } from '../keys/key-store.js';
import { registerKeysRoutes } from './keys-route.js';

/** A store whose Redis is unreachable: every call fails. */
const unreachable: KeyRecords = {
  get: () => Promise.reject(new Error('Stream isn’t writeable')),
  list: () => Promise.reject(new Error('Stream isn’t writeable')),
  idOf: () => Promise.reject(new Error('Stream isn’t writeable')),
  put: () => Promise.reject(new Error('Stream isn’t writeable')),
  remove: () => Promise.reject(new Error('Stream isn’t writeable')),
};

describe('the managed key store unreachable', () => {
  it('answers the admin API with a 503, and refuses managed keys without remembering the failure', async () => {
    const app = Fastify();
    const store = createKeyStore({ records: unreachable });
    registerKeysRoutes(app, store);
    const created = await app.inject({ method: 'POST', url: '/admin/keys', payload: { name: 'x' } });
    expect(created.statusCode).toBe(503);
    expect(created.json().error).toMatchObject({ code: 'key_store_unavailable' });
    expect((await app.inject({ method: 'GET', url: '/admin/keys' })).statusCode).toBe(503);
    expect((await app.inject({ method: 'DELETE', url: '/admin/keys/mk-1' })).statusCode).toBe(503);
    expect(await store.find('gwk-anything')).toBeUndefined();
    await app.close();
  });
});
