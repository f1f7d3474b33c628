import * as crypto from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import clientSecretPlugin, { hashSecret } from '@llm-gateway/auth-client-secret';
import { isDisabled, type Pipeline, silentLogger } from '@llm-gateway/spec';
import { mountSurface } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import plugin from './index.js';

// Spied, not replaced: the comparison must really happen in constant time, in the auth scheme the surface uses.
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const neverCalled: Pipeline = {
  defaultModel: 'gpt-4o-mini',
  chat: () => Promise.reject(new Error('no upstream call expected')),
  stream: () => Promise.reject(new Error('no upstream call expected')),
  models: async () => [],
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dsp-secret-'));
  const client_secret_hash = await hashSecret('password', { cost: 1024 });
  await writeFile(join(dir, 'c.json'), JSON.stringify({ client_id: 'c', client_secret_hash }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('client secrets on /api/v1/generate', () => {
  it('are compared with timingSafeEqual; a wrong one of any length is a 401, never a throw', async () => {
    const scheme = await clientSecretPlugin.create(
      clientSecretPlugin.configSchema.parse({ dir, cacheTtlMs: 0, allowExampleSecret: true }),
      {
        instanceName: 'clients',
        log: silentLogger,
      },
    );
    if (isDisabled(scheme)) throw new Error(scheme.reason);
    const { app } = await mountSurface(
      plugin,
      {},
      {
        pipeline: neverCalled,
        authSchemes: [scheme],
        instanceName: 'dsp',
      },
    );
    const spy = vi.mocked(crypto.timingSafeEqual);
    for (const secret of ['passwore', 'p', 'password'.repeat(64)]) {
      spy.mockClear();
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/generate',
        headers: { client_id: 'c', client_secret: secret, 'content-type': 'application/json' },
        payload: { prompt: 'hi' },
      });
      expect(response.statusCode, secret).toBe(401);
      expect(response.json()).toEqual({ detail: 'Invalid client credentials' });
      expect(spy, secret).toHaveBeenCalledTimes(1);
      const [a, b] = spy.mock.calls[0] as [Buffer, Buffer];
      expect(a.length).toBe(b.length);
    }
    await app.close();
  });
});
