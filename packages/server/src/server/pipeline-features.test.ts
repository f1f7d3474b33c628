// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profiles spell ${VAR} literally
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';

let sim: Simulator;
const servers: GatewayServer[] = [];

beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: 'sk-upstream' });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  sim.reset();
});
afterAll(async () => {
  await sim?.close();
});

const defaultRouting = `
routing:
  defaultModel: gpt-4o-mini
  models:
    gpt-4o-mini: openai
`;

async function gateway(extra: string, routing = defaultRouting): Promise<GatewayServer> {
  const profile = parseProfile(
    `
logging: { level: silent }
backends:
  openai:
    plugin: backend-openai
    config:
      apiKey: sk-upstream
      baseURL: \${SIM_URL}/v1
  spare:
    plugin: backend-openai
    config:
      apiKey: sk-upstream
      baseURL: \${SIM_URL}
${routing}
surfaces:
  openai: { plugin: surface-openai, auth: [] }
${extra}
`,
    { source: 'features.yaml', env: { SIM_URL: sim.url } },
  );
  const server = await buildServer(profile);
  servers.push(server);
  return server;
}

const ask = (server: GatewayServer, content: string, extra: Record<string, unknown> = {}) =>
  server.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra },
  });

describe('pipeline features through the server', () => {
  it('sends rate-limit and cache headers with JSON, SSE and 429 answers; a hit says usage.from_cache', async () => {
    const server = await gateway(`
cache:
  enabled: true
rateLimit:
  requestsPerMinute: 3
`);
    const miss = await ask(server, 'hello');
    expect(miss.statusCode).toBe(200);
    expect(miss.headers).toMatchObject({
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '2',
      'x-gateway-cache': 'miss',
    });
    expect(miss.json().usage.from_cache).toBe(false);

    const hit = await ask(server, 'hello');
    expect(hit.headers).toMatchObject({ 'x-ratelimit-remaining': '1', 'x-gateway-cache': 'hit' });
    expect(hit.json()).toMatchObject({
      choices: [{ message: { content: 'Echo: hello' } }],
      usage: { from_cache: true },
    });
    expect(sim.requests).toHaveLength(1);

    const streamed = await ask(server, 'hello', { stream: true });
    expect(streamed.headers['content-type']).toContain('text/event-stream');
    expect(streamed.headers).toMatchObject({ 'x-ratelimit-remaining': '0', 'x-gateway-cache': 'hit' });
    expect(streamed.body).toContain('data: [DONE]');
    expect(sim.requests).toHaveLength(1);

    const refused = await ask(server, 'hello');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      error: {
        message: 'Rate limit exceeded',
        type: 'rate_limit_error',
        param: null,
        code: 'rate_limit_exceeded',
      },
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0' });

    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics?format=prometheus' })).body;
    expect(metrics).toContain('gateway_cache_lookups_total{result="hit"} 2');
    expect(metrics).toContain('gateway_rate_limit_rejections_total{surface="openai",limit="requests"} 1');
    const json = (await server.app.inject({ method: 'GET', url: '/metrics?format=json' })).json();
    expect(json).toMatchObject({ rate_limiter: { rate: 3, tokens_available: 0 }, cache_enabled: true });
  });

  it('answers a stream request with a 400 in the OpenAI shape when streaming is off', async () => {
    const server = await gateway('streaming:\n  enabled: false\n');
    const response = await ask(server, 'hi', { stream: true });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      type: 'invalid_request_error',
      code: 'streaming_disabled',
      param: 'stream',
    });
    expect(sim.requests).toHaveLength(0);
    expect((await server.app.inject({ method: 'GET', url: '/metrics?format=json' })).json()).toMatchObject({
      streaming_enabled: false,
    });
  });

  it("/health named the first configured backend and /metrics the default's closed breaker: now the default model's backend and the worst breaker", async () => {
    const server = await gateway(
      `
resilience:
  retries: { attempts: 1 }
  circuitBreaker: { failureThreshold: 1, resetTimeoutSeconds: 60 }
`,
      `
routing:
  defaultModel: gemini
  models:
    gpt-4o-mini: openai
    gemini: { backend: spare, model: gemini-1.5-pro }
`,
    );
    const health = (await server.app.inject({ method: 'GET', url: '/health' })).json();
    expect(health).toMatchObject({ backend: 'spare', model: 'gemini' });

    // The default model's backend is fine while another one's breaker opens: the seed's one field shows it.
    sim.inject({ status: 500, times: 1, path: '/v1/chat/completions' });
    expect((await ask(server, 'break openai')).statusCode).toBe(502);
    const json = (await server.app.inject({ method: 'GET', url: '/metrics?format=json' })).json();
    expect(json.circuit_breaker).toEqual({ state: 'open', failure_count: 1, failure_threshold: 1 });
    expect(json.circuit_breaker_backend).toBe('openai');
    expect(json.circuit_breakers.spare).toMatchObject({ state: 'closed' });
  });

  it('retries, then opens the breaker, reports it in /health and /metrics, and falls back', async () => {
    const server = await gateway(
      `
resilience:
  retries:
    attempts: 2
    baseDelayMs: 1
  circuitBreaker:
    failureThreshold: 1
    resetTimeoutSeconds: 60
`,
      `
routing:
  defaultModel: chat
  models:
    chat:
      - { backend: openai, model: gpt-4o-mini }
      - { backend: spare, model: gpt-4o-mini }
`,
    );
    sim.inject({ status: 500, times: 2, path: '/v1/chat/completions' });
    const response = await server.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { messages: [{ role: 'user', content: 'x' }] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-gateway-backend']).toBe('spare');
    // Two tries at openai (the retry), then the fallback's one.
    expect(sim.requests.map((r) => r.path)).toEqual([
      '/v1/chat/completions',
      '/v1/chat/completions',
      '/chat/completions',
    ]);
    const health = (await server.app.inject({ method: 'GET', url: '/health' })).json();
    expect(health).toMatchObject({
      status: 'healthy',
      circuit_breakers: {
        openai: { state: 'open', failure_count: 1, failure_threshold: 1 },
        spare: { state: 'closed' },
      },
    });
    const json = (await server.app.inject({ method: 'GET', url: '/metrics?format=json' })).json();
    expect(json.circuit_breaker).toEqual({ state: 'open', failure_count: 1, failure_threshold: 1 });
    const text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('gateway_circuit_breaker_state{backend="openai"} 1');
    expect(text).toContain('gateway_upstream_retries_total{backend="openai"} 1');
    expect(text).toContain('gateway_fallbacks_total{backend="openai"} 1');
    expect(text).toMatch(
      /gateway_requests_total\{surface="openai",endpoint="chat.completions",backend="spare",status="200"\} 1/,
    );
  });
});
