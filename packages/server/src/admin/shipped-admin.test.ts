import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../profile/load-profile.js';
import { buildServer } from '../server/build-server.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const adminKey = 'admin-key-0123456789abcdef';
/** What the profiles require outright. */
const required = { TOKEN_SECRET: 'check-secret-0123456789abcdef0123456789abcdef', LOG_LEVEL: 'silent' };

describe('the shipped profiles serve the admin side behind GATEWAY_ADMIN_KEYS', () => {
  it.each([
    'configs/default.yaml',
    'configs/all-surfaces.yaml',
    'configs/dgen-ping.yaml',
  ])('%s: /admin/usage and the dashboard need the admin key, and are not served without one', async (file) => {
    const served = await buildServer(
      await loadProfile(`${root}${file}`, { env: { ...required, GATEWAY_ADMIN_KEYS: adminKey } }),
      { logStream: { write: () => {} } },
    );
    try {
      const usage = await served.app.inject({ method: 'GET', url: '/admin/usage' });
      expect(usage.statusCode).toBe(401);
      const authorized = await served.app.inject({
        method: 'GET',
        url: '/admin/',
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(authorized.statusCode).toBe(200);
    } finally {
      await served.close();
    }
    const unserved = await buildServer(await loadProfile(`${root}${file}`, { env: required }), {
      logStream: { write: () => {} },
    });
    try {
      expect((await unserved.app.inject({ method: 'GET', url: '/admin/usage' })).statusCode).toBe(404);
    } finally {
      await unserved.close();
    }
    // all-surfaces builds every plugin: seconds alone, far more on a loaded machine.
  }, 60_000);
});
