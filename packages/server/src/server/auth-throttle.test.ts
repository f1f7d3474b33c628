import type { TelemetryRecord } from '@llm-gateway/spec';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testAuthPlugin, testBackendPlugin, testSurfacePlugin } from '../__fixtures__/test-plugins.js';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';

const profile = (authFailures: string) => `
logging: { level: warn }
server: { authFailures: ${authFailures} }
backends:
  alpha: { plugin: backend-test, config: { models: [alpha-model] } }
auth:
  keys: { plugin: auth-test, config: { keys: [sk-good-1] } }
routing: { defaultModel: alpha-model, models: { alpha-model: alpha } }
surfaces:
  api: { plugin: surface-test, auth: [keys], prefix: /api }
`;

const servers: GatewayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(authFailures: string) {
  const auth = testAuthPlugin();
  const records: TelemetryRecord[] = [];
  const gateway = await buildServer(parseProfile(profile(authFailures), { source: 'test.yaml', env: {} }), {
    logStream: { write: () => {} },
    plugins: {
      'backend-test': testBackendPlugin().plugin,
      'auth-test': auth.plugin,
      'surface-test': testSurfacePlugin,
    },
    onTelemetry: (record) => records.push(record),
  });
  servers.push(gateway);
  const whoami = (key: string, remoteAddress: string) =>
    gateway.app.inject({ method: 'GET', url: '/api/whoami', headers: { 'x-api-key': key }, remoteAddress });
  return { gateway, whoami, records, scheme: auth.schemes[0]! };
}

describe('failed-auth throttling per client address', () => {
  it('answers 429 with Retry-After after the limit, before any scheme runs, while another address still logs in', async () => {
    const { whoami, records, scheme } = await setup('{ limit: 3, windowSeconds: 60, blockSeconds: 120 }');
    for (let i = 0; i < 3; i++) expect((await whoami(`sk-wrong-${i}`, '10.1.1.1')).statusCode).toBe(401);
    const authenticate = vi.spyOn(scheme, 'authenticate');
    const blocked = await whoami('sk-wrong-5', '10.1.1.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toEqual({
      error: { type: 'rate_limited', message: 'Too many failed authentication attempts; try again later' },
    });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(60);
    // A blocked address is refused even with a good key: guessing stops paying off.
    expect((await whoami('sk-good-1', '10.1.1.1')).statusCode).toBe(429);
    expect(authenticate).not.toHaveBeenCalled();
    expect((await whoami('sk-good-1', '10.2.2.2')).statusCode).toBe(200);
    const throttled = records.filter((record) => record.status_code === 429);
    expect(throttled).toHaveLength(2);
    expect(throttled[0]).toMatchObject({ surface: 'api', error_type: 'rate_limited' });
  });

  it('lets a real client log in before the limit, and never counts successes', async () => {
    const { whoami } = await setup('{ limit: 2 }');
    for (let i = 0; i < 10; i++) expect((await whoami('sk-good-1', '10.3.3.3')).statusCode).toBe(200);
    expect((await whoami('sk-wrong', '10.3.3.3')).statusCode).toBe(401);
    expect((await whoami('sk-good-1', '10.3.3.3')).statusCode).toBe(200);
  });

  it('works out no claimed identity until a login fails, then for every request', async () => {
    const { whoami, scheme } = await setup('{ limit: 3 }');
    const claimed = vi.fn(() => undefined);
    scheme.claimedIdentity = claimed;
    for (let i = 0; i < 3; i++) expect((await whoami('sk-good-1', '10.5.5.5')).statusCode).toBe(200);
    expect(claimed).not.toHaveBeenCalled();
    expect((await whoami('sk-wrong', '10.5.5.5')).statusCode).toBe(401);
    const afterFailure = claimed.mock.calls.length;
    expect(afterFailure).toBeGreaterThan(0);
    expect((await whoami('sk-good-1', '10.5.5.5')).statusCode).toBe(200);
    expect(claimed.mock.calls.length).toBeGreaterThan(afterFailure);
  });

  it('can be switched off', async () => {
    const { whoami } = await setup('{ enabled: false, limit: 1 }');
    for (let i = 0; i < 5; i++) expect((await whoami('sk-wrong', '10.4.4.4')).statusCode).toBe(401);
  });
});
