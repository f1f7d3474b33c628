import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TelemetryRecord } from '@llm-gateway/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { testAuthPlugin, testBackendPlugin, testSurfacePlugin } from '../__fixtures__/test-plugins.js';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';
import { listenHost } from './start-server.js';

const baseProfile = `
service: { name: test-gateway, version: 9.9.9 }
logging: { level: debug }
backends:
  alpha: { plugin: backend-test, config: { reply: Hi, models: [alpha-model] } }
  beta: { plugin: backend-test, config: { apiKey: '' } }
auth:
  keys: { plugin: auth-test, config: { keys: [sk-good-1] } }
  nokeys: { plugin: auth-test, config: { keys: [] } }
routing:
  defaultModel: small
  models: { small: { backend: alpha, model: alpha-small }, off: beta }
surfaces:
  api: { plugin: surface-test, auth: [keys], prefix: /api }
  open: { plugin: surface-test, auth: [], prefix: /open, config: { endpoint: open-chat } }
  locked: { plugin: surface-test, auth: [nokeys], prefix: /locked }
`;

const servers: GatewayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(yaml = baseProfile, env: NodeJS.ProcessEnv = {}) {
  const lines: string[] = [];
  const backend = testBackendPlugin();
  const auth = testAuthPlugin();
  const records: TelemetryRecord[] = [];
  const gateway = await buildServer(parseProfile(yaml, { source: 'test.yaml', env }), {
    logStream: { write: (line: string) => lines.push(line) },
    plugins: { 'backend-test': backend.plugin, 'auth-test': auth.plugin, 'surface-test': testSurfacePlugin },
    onTelemetry: (record) => records.push(record),
  });
  servers.push(gateway);
  return { gateway, app: gateway.app, lines, backends: backend.instances, schemes: auth.schemes, records };
}

const chatBody = { messages: [{ role: 'user', content: 'ping' }] };

describe('buildServer: surfaces, auth and the pipeline', () => {
  it('mounts a surface under its prefix and answers through the pipeline', async () => {
    const { app, backends } = await setup();
    const response = await app.inject({
      method: 'POST',
      url: '/api/chat',
      headers: { authorization: 'Bearer sk-good-1' },
      payload: chatBody,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      text: 'Hi: ping',
      backend: 'alpha',
      model: 'alpha-small',
      principal: 'key-0',
    });
    expect(backends.get('alpha')!.calls).toHaveLength(1);
  });

  it('refuses missing and wrong credentials with the surface error shape', async () => {
    const { app } = await setup();
    const missing = await app.inject({ method: 'POST', url: '/api/chat', payload: chatBody });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ error: { type: 'authentication', message: 'Missing credentials' } });
    const wrong = await app.inject({ method: 'GET', url: '/api/whoami', headers: { 'x-api-key': 'nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe('Invalid API key');
  });

  it('lets a surface with no auth schemes in anonymously, and locks one whose schemes are all disabled', async () => {
    const { app } = await setup();
    const open = await app.inject({ method: 'GET', url: '/open/whoami' });
    expect(open.json()).toEqual({ id: 'anonymous', kind: 'anonymous', service: 'test-gateway' });
    const locked = await app.inject({
      method: 'GET',
      url: '/locked/whoami',
      headers: { 'x-api-key': 'sk-good-1' },
    });
    expect(locked.statusCode).toBe(401);
  });

  it('serves a surface anonymously when authOptional is set and its schemes are all disabled', async () => {
    const yaml = baseProfile.replace(
      'locked: { plugin: surface-test, auth: [nokeys], prefix: /locked }',
      'locked: { plugin: surface-test, auth: [nokeys], authOptional: true, prefix: /locked }',
    );
    const { app, gateway } = await setup(yaml);
    const open = await app.inject({ method: 'GET', url: '/locked/whoami' });
    expect(open.statusCode).toBe(200);
    expect(open.json().kind).toBe('anonymous');
    expect(gateway.openSurfaces).toEqual(['open', 'locked']);
    // authOptional does not open a surface whose scheme is enabled.
    const api = await app.inject({ method: 'GET', url: '/api/whoami' });
    expect(api.statusCode).toBe(401);
  });

  it('host auto binds loopback while any surface is open, every interface otherwise', () => {
    expect(listenHost('auto', ['openai'])).toBe('127.0.0.1');
    expect(listenHost('auto', [])).toBe('0.0.0.0');
    expect(listenHost('10.1.2.3', ['openai'])).toBe('10.1.2.3');
  });

  it('answers a route to a disabled backend with 503 and an unknown model with 404', async () => {
    const { app } = await setup();
    const off = await app.inject({
      method: 'POST',
      url: '/open/chat',
      payload: { ...chatBody, model: 'off' },
    });
    expect(off.statusCode).toBe(503);
    const unknown = await app.inject({
      method: 'POST',
      url: '/open/chat',
      payload: { ...chatBody, model: 'gpt-9' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.type).toBe('not_found');
  });

  it('streams through the surface', async () => {
    const { app } = await setup();
    const response = await app.inject({
      method: 'POST',
      url: '/open/chat',
      payload: { ...chatBody, stream: true },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('Hi ');
  });

  it('echoes a sane x-request-id and replaces an unsafe one', async () => {
    const { app } = await setup();
    const given = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const unsafe = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'a b\u0007<script>' },
    });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const none = await app.inject({ method: 'GET', url: '/health' });
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(none.headers['x-request-id']).not.toBe(unsafe.headers['x-request-id']);
  });

  it('emits one telemetry record per surface request, from the annotations', async () => {
    const { app, records } = await setup();
    await app.inject({
      method: 'POST',
      url: '/open/chat',
      headers: { 'x-request-id': 'tel-1' },
      payload: chatBody,
    });
    await app.inject({ method: 'GET', url: '/health' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      request_id: 'tel-1',
      surface: 'open',
      endpoint: 'open-chat',
      method: 'POST',
      status_code: 200,
      principal_id: 'anonymous',
      target_service: 'alpha',
      model: 'alpha-small',
      prompt_tokens: 5,
      completion_tokens: 3,
      total_tokens: 8,
      tokens_estimated: false,
      cache_hit: false,
      retries: 0,
      fallback: false,
    });
    const [record] = records;
    expect(record?.latency_ms).toBeGreaterThanOrEqual(record?.llm_latency_ms ?? Number.POSITIVE_INFINITY);
  });

  it('logs disabled instances at info with the reason', async () => {
    const { lines } = await setup();
    const messages = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(messages).toContainEqual(
      expect.objectContaining({ level: 30, msg: 'backend beta disabled: no API key (set TEST_API_KEY)' }),
    );
    expect(messages).toContainEqual(
      expect.objectContaining({ msg: 'auth scheme nokeys disabled: no keys configured' }),
    );
  });
});

describe('shared routes', () => {
  it('GET /health answers 200 with the documented fields while a backend is enabled', async () => {
    const { app } = await setup();
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'healthy',
      service: 'test-gateway',
      version: '9.9.9',
      backend: 'alpha',
      model: 'small',
      available_models: ['small', 'alpha-model', 'alpha/alpha-model'],
      backends: { alpha: 'enabled', beta: 'disabled' },
      redis_connected: null,
      model_loaded: true,
      circuit_breakers: { alpha: { state: 'closed', failure_count: 0, failure_threshold: 5 } },
      cache: { enabled: false, store: 'off', ttl_seconds: null },
      rate_limit: { enabled: true, store: 'memory', requests_per_minute: 0 },
      streaming_enabled: true,
      // No sink configured: records reach only the debug log.
      telemetry: {
        store: null,
        sinks: [],
        buffered: 0,
        recorded: 0,
        written: 0,
        dropped: 0,
        replayed: 0,
        failovers: 0,
        quarantined: 0,
        lost: 0,
      },
    });
  });

  it('GET /health answers 503 when no backend is enabled', async () => {
    const { app } = await setup(`
backends: { beta: { plugin: backend-test, config: { apiKey: '' } } }
`);
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      status: 'unhealthy',
      backend: null,
      model_loaded: false,
      available_models: [],
    });
  });

  it('GET /metrics serves Prometheus text with request, upstream and process metrics', async () => {
    const { app } = await setup();
    await app.inject({ method: 'POST', url: '/open/chat', payload: chatBody });
    await new Promise((resolve) => setImmediate(resolve));
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain(
      'gateway_requests_total{surface="open",endpoint="open-chat",backend="alpha",status="200"} 1',
    );
    expect(response.body).toContain('gateway_upstream_requests_total{backend="alpha",outcome="success"} 1');
    expect(response.body).toContain('gateway_tokens_total{backend="alpha",kind="prompt"} 5');
    expect(response.body).toContain(
      'gateway_request_duration_seconds_count{surface="open",endpoint="open-chat",backend="alpha",status="200"} 1',
    );
    expect(response.body).toMatch(/gateway_inflight_requests 1\n/);
    expect(response.body).toContain('process_cpu_user_seconds_total');
  });

  it("GET /metrics answers the DeepSeek gateway seed's JSON when asked by ?format= or Accept", async () => {
    const { app } = await setup();
    for (const request of [
      { url: '/metrics?format=json' },
      { url: '/metrics', headers: { accept: 'application/json' } },
    ]) {
      const response = await app.inject({ method: 'GET', ...request });
      expect(response.headers['content-type']).toContain('application/json');
      expect(response.json()).toMatchObject({
        circuit_breaker: { state: 'closed', failure_count: 0, failure_threshold: 5 },
        rate_limiter: { rate: 0, tokens_available: null },
        cache_enabled: false,
        streaming_enabled: true,
        circuit_breakers: { alpha: { state: 'closed' } },
        circuit_breaker_backend: 'alpha',
      });
    }
  });

  it('GET /openapi.json describes every mounted route', async () => {
    const { app } = await setup();
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json() as {
      openapi: string;
      info: { title: string };
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('test-gateway');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/metrics',
        '/api/chat',
        '/api/whoami',
        '/open/chat',
        '/locked/whoami',
      ]),
    );
    expect(document.paths['/api/chat']).toMatchObject({ post: { tags: ['api'], summary: 'Chat' } });
  });

  it('GET /docs serves Swagger UI from the package, without a CDN', async () => {
    const { app } = await setup();
    const page = await app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('swagger-ui');
    expect(page.body).not.toMatch(/(src|href)="https?:\/\//);
    const bundle = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
  });

  it('answers an unknown route with 404 JSON', async () => {
    const { app } = await setup();
    const response = await app.inject({ method: 'GET', url: '/nope?api_key=secret' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: { type: 'not_found', message: 'Route GET /nope not found', code: 'route_not_found' },
    });
  });

  it('switches docs and metrics off when the profile says so', async () => {
    const { app } = await setup(`${baseProfile}\nmetrics: { enabled: false }\ndocs: { enabled: false }\n`);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(404);
  });

  it('rejects a body over the limit with 413', async () => {
    const { app } = await setup(baseProfile.replace('service:', 'server: { bodyLimit: 100 }\nservice:'));
    const response = await app.inject({
      method: 'POST',
      url: '/open/chat',
      payload: { messages: [{ role: 'user', content: 'x'.repeat(500) }] },
    });
    expect(response.statusCode).toBe(413);
  });
});

describe('logging', () => {
  it('never writes credentials from headers, query strings or plugin configs', async () => {
    const { app, lines } = await setup(
      baseProfile.replace(
        '{ reply: Hi, models: [alpha-model] }',
        '{ reply: Hi, models: [alpha-model], apiKey: sk-upstream-42 }',
      ),
    );
    await app.inject({
      method: 'POST',
      url: '/api/chat?api_key=sk-query-7&x=1',
      headers: {
        authorization: 'Bearer sk-good-1',
        'x-api-token': 'jwt-token-5',
        'x-token-secret': 'tok-secret-6',
        cookie: 'session=cookie-8',
        'user-agent': 'redaction-test-agent',
      },
      payload: chatBody,
    });
    const output = lines.join('');
    // Headers are logged (so redaction is what keeps the secrets out).
    expect(output).toContain('redaction-test-agent');
    expect(output).toContain('[Redacted]');
    for (const secret of [
      'sk-good-1',
      'sk-query-7',
      'jwt-token-5',
      'tok-secret-6',
      'cookie-8',
      'sk-upstream-42',
    ]) {
      expect(output).not.toContain(secret);
    }
    // The request body is never logged.
    expect(output).not.toContain('ping');
  });
});

describe('lifecycle', () => {
  async function listen(gateway: GatewayServer): Promise<number> {
    await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    return (gateway.app.server.address() as AddressInfo).port;
  }

  function post(
    port: number,
    path: string,
    body: unknown,
  ): { response: Promise<{ status: number; body: string }>; request: http.ClientRequest } {
    const payload = JSON.stringify(body);
    let request!: http.ClientRequest;
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request = http.request(
        { host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
    return { response, request };
  }

  it('aborts the upstream call when the client disconnects', async () => {
    const { gateway, backends, records } = await setup();
    const port = await listen(gateway);
    const alpha = backends.get('alpha')!;
    alpha.hold();
    const arrived = alpha.arrived();
    const { response, request } = post(port, '/open/chat', chatBody);
    response.catch(() => {});
    await arrived;
    const signal = alpha.calls[0]!.signal;
    const aborted = new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    request.destroy();
    await aborted;
    expect(signal.aborted).toBe(true);
    await expect.poll(() => records.length).toBe(1);
    expect(records[0]).toMatchObject({ status_code: 499, error_type: 'cancelled' });
  });

  it('close() lets in-flight requests finish, then closes plugins', async () => {
    const { gateway, backends, schemes } = await setup();
    const port = await listen(gateway);
    const alpha = backends.get('alpha')!;
    const release = alpha.hold();
    const arrived = alpha.arrived();
    const { response } = post(port, '/open/chat', chatBody);
    await arrived;
    const closed = gateway.close();
    let closeDone = false;
    closed.then(() => {
      closeDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closeDone).toBe(false);
    expect(alpha.closed).toBe(false);
    release();
    expect(await response).toEqual({ status: 200, body: expect.stringContaining('Hi: ping') });
    await closed;
    expect(alpha.closed).toBe(true);
    expect(schemes.every((scheme) => scheme.closed)).toBe(true);
    // No longer accepting.
    await expect(post(port, '/open/chat', chatBody).response).rejects.toThrow();
  });

  it('close() cuts requests that outlive the shutdown timeout', async () => {
    const { gateway, backends } = await setup(
      baseProfile.replace('service:', 'server: { shutdownTimeoutMs: 50 }\nservice:'),
    );
    const port = await listen(gateway);
    const alpha = backends.get('alpha')!;
    alpha.hold();
    const arrived = alpha.arrived();
    const { response } = post(port, '/open/chat', chatBody);
    await arrived;
    await gateway.close();
    await expect(response).rejects.toThrow();
    await expect.poll(() => alpha.calls[0]!.signal.aborted).toBe(true);
    expect(alpha.closed).toBe(true);
  });
});
