import { GatewayError, type SinkPlugin, type TelemetrySink, type UsageQuery, z } from '@llm-gateway/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { testBackendPlugin } from '../__fixtures__/test-plugins.js';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from '../server/build-server.js';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const queries: UsageQuery[] = [];
const usageSink: SinkPlugin = {
  specificationVersion: 'v1',
  kind: 'sink',
  name: 'sink-usage-test',
  configSchema: z.strictObject({}),
  create: async (): Promise<TelemetrySink> => ({
    name: 'usage-test',
    write: async () => {},
    close: async () => {},
    usage: async (query) => {
      // sink-mongo's refusals (usage-query-limits.test.ts there): too many raw queries, a query past maxTimeMS.
      if (query.filters.project === 'busy')
        throw new GatewayError('rate_limited', 'Too many usage queries', {
          code: 'usage_queries_busy',
          headers: { 'retry-after': '3' },
        });
      if (query.filters.project === 'slow')
        throw new GatewayError('upstream_timeout', 'The usage query ran past 10000 ms', {
          code: 'usage_query_timeout',
        });
      queries.push(query);
      return { totals: { requests: 7 } as never, rows: [] };
    },
  }),
};

const profile = (admin: string) => `
service: { name: admin-test, version: 1.0.0 }
logging: { level: warn }
backends: { alpha: { plugin: backend-test, config: { models: [alpha-model] } } }
routing: { models: { small: alpha } }
telemetry: { sinks: { store: { plugin: sink-usage-test } } }
auth: { jwt: { plugin: auth-jwt, config: { secret: jwt-secret-0123456789abcdef, header: x-api-token } } }
surfaces: { dgen-ping: { plugin: surface-dgen-ping, auth: [jwt], config: { tokenSecret: jwt-secret-0123456789abcdef } } }
admin: ${admin}
`;

const servers: GatewayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  queries.length = 0;
});

async function app(admin: string, env: NodeJS.ProcessEnv = {}) {
  const gateway = await buildServer(parseProfile(profile(admin), { source: 'admin.yaml', env }), {
    logStream: { write: () => {} },
    plugins: { 'backend-test': testBackendPlugin().plugin, 'sink-usage-test': usageSink },
  });
  servers.push(gateway);
  return gateway.app;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const keys = `{ keys: "\${GATEWAY_ADMIN_KEYS:-}" }`;

describe('/admin/*', () => {
  it('is not served at all without admin keys (404, as for any unknown path)', async () => {
    const server = await app(keys);
    expect((await server.inject({ url: '/admin/usage', headers: bearer(ADMIN_KEY) })).statusCode).toBe(404);
    expect((await server.inject('/admin/')).statusCode).toBe(404);
  });

  it('answers 401 with Bearer and Basic challenges without the key or with a client key', async () => {
    const server = await app(keys, { GATEWAY_ADMIN_KEYS: `other-key-00000000000, ${ADMIN_KEY}` });
    for (const headers of [{}, bearer('sk-client-key'), bearer(`${ADMIN_KEY}x`)]) {
      const response = await server.inject({ url: '/admin/usage', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({
        error: { type: 'authentication', code: 'admin_key_required' },
      });
      expect(response.headers['www-authenticate']).toEqual([
        'Bearer realm="gateway-admin"',
        'Basic realm="gateway-admin"',
      ]);
      expect(response.body).not.toContain(ADMIN_KEY);
    }
    expect(queries).toEqual([]);
  });

  it('passes the parsed query to the store for a Bearer key or a Basic password', async () => {
    const server = await app(keys, { GATEWAY_ADMIN_KEYS: ADMIN_KEY });
    const url = '/admin/usage?from=2026-01-01T00:00:00Z&project=alpha&group_by=model,principal&bucket=day';
    const response = await server.inject({ url, headers: bearer(ADMIN_KEY) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ totals: { requests: 7 }, query: { bucket: 'day' } });
    expect(queries[0]).toEqual({
      from: new Date('2026-01-01T00:00:00Z'),
      bucket: 'day',
      groupBy: ['model', 'principal'],
      filters: { project: 'alpha' },
    });
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`;
    expect((await server.inject({ url: '/admin/', headers: { authorization: basic } })).statusCode).toBe(200);
  });

  it('refuses a bad usage query with a 400 naming the parameter', async () => {
    const server = await app(keys, { GATEWAY_ADMIN_KEYS: ADMIN_KEY });
    for (const [query, name] of [
      ['group_by=team', 'group_by'],
      ['from=yesterday', 'from'],
      ['colour=red', 'colour'],
    ] as const) {
      const response = await server.inject({ url: `/admin/usage?${query}`, headers: bearer(ADMIN_KEY) });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toContain(name);
    }
  });

  it("answers a store's refusal in the admin error shape: 429 with Retry-After, 504 for a timed-out query (was a 500)", async () => {
    const server = await app(keys, { GATEWAY_ADMIN_KEYS: ADMIN_KEY });
    const busy = await server.inject({ url: '/admin/usage?project=busy', headers: bearer(ADMIN_KEY) });
    expect(busy.statusCode).toBe(429);
    expect(busy.headers['retry-after']).toBe('3');
    expect(busy.json()).toEqual({
      error: { type: 'rate_limited', message: 'Too many usage queries', code: 'usage_queries_busy' },
    });
    const slow = await server.inject({ url: '/admin/usage?project=slow', headers: bearer(ADMIN_KEY) });
    expect(slow.statusCode).toBe(504);
    expect(slow.json()).toMatchObject({ error: { type: 'upstream_timeout', code: 'usage_query_timeout' } });
  });

  it('serves the dashboard page and its charting library from the package (no CDN)', async () => {
    const server = await app(keys, { GATEWAY_ADMIN_KEYS: ADMIN_KEY });
    const page = await server.inject({ url: '/admin/', headers: bearer(ADMIN_KEY) });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).not.toMatch(/https?:\/\//);
    const library = await server.inject({
      url: '/admin/assets/uPlot.iife.min.js',
      headers: bearer(ADMIN_KEY),
    });
    expect(library.statusCode).toBe(200);
    expect(library.body).toContain('uPlot');
  });

  it('refuses admin keys shorter than 16 characters', async () => {
    await expect(app(keys, { GATEWAY_ADMIN_KEYS: 'short' })).rejects.toThrow(/16 characters/);
  });
});

describe('protectMetrics and protectDetails', () => {
  it('are off by default: /metrics and the detailed /health stay open', async () => {
    const server = await app(keys, { GATEWAY_ADMIN_KEYS: ADMIN_KEY });
    expect((await server.inject('/metrics')).statusCode).toBe(200);
    expect((await server.inject('/health')).json()).toHaveProperty('telemetry');
    expect((await server.inject('/info')).json()).toMatchObject({ telemetry: { store: 'usage-test' } });
  });

  it('put /metrics and the detailed parts of /health and /info behind the admin key', async () => {
    const server = await app(`{ keys: "${ADMIN_KEY}", protectMetrics: true, protectDetails: true }`);
    expect((await server.inject('/metrics')).statusCode).toBe(401);
    expect((await server.inject({ url: '/metrics', headers: bearer(ADMIN_KEY) })).statusCode).toBe(200);
    const open = await server.inject('/health');
    expect(open.statusCode).toBe(200);
    expect(open.json()).toMatchObject({ status: 'healthy' });
    expect(open.json()).not.toHaveProperty('telemetry');
    expect((await server.inject({ url: '/health', headers: bearer(ADMIN_KEY) })).json()).toHaveProperty(
      'telemetry',
    );
    expect((await server.inject('/info')).json()).toMatchObject({ telemetry: null });
    const info = await server.inject({ url: '/info', headers: bearer(ADMIN_KEY) });
    expect(info.json()).toMatchObject({ telemetry: { store: 'usage-test' } });
  });
});
