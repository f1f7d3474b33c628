/**
 * Resilience end to end: the built `gateway` process on configs/llm-gateway.yaml (the DeepSeek gateway
 * seed's profile and env names) against the OpenAI-wire simulator with injected faults, driven by the
 * official `openai` SDK with its own retries off, so every retry seen upstream is the gateway's.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type SimRequestBody, type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { requestsFor, waitUntil } from './helpers/http.js';

const profile = 'configs/llm-gateway.yaml';
const upstreamKey = 'sk-proxyapi-e2e-0123456789';
const seedModel = 'deepseek/deepseek-v3.2';
const longReply = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');

/** Prompts starting with `long` get a 60-word reply, streamed a chunk every 30 ms. */
function reply(body: SimRequestBody): string {
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  const text = typeof last?.content === 'string' ? last.content : '';
  return text.startsWith('long') ? longReply : `Echo: ${text}`;
}

let sim: Simulator;
const gateways: Gateway[] = [];

async function gatewayWith(env: Record<string, string>, profilePath = profile): Promise<Gateway> {
  const gateway = await startGateway({
    profile: profilePath,
    env: {
      PROXYAPI_API_KEY: upstreamKey,
      OPENROUTER_BASE_URL: `${sim.url}/v1`,
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  gateways.push(gateway);
  return gateway;
}

function sdk(gateway: Gateway): OpenAI {
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}

async function apiError(promise: Promise<unknown>): Promise<APIError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(APIError);
  return error as APIError;
}

const user = (content: string) => [{ role: 'user' as const, content }];

beforeAll(async () => {
  sim = await startOpenAISimulator({ chunkDelayMs: 30, reply });
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await sim?.close();
});

describe('llm-gateway profile: retries, timeouts, streams, concurrency, disconnects', () => {
  let gateway: Gateway;
  let client: OpenAI;

  beforeAll(async () => {
    gateway = await gatewayWith({
      LLM_TIMEOUT: '1',
      RETRY_BASE_DELAY_MS: '10',
      RETRY_MAX_WAIT_MS: '2000',
      CIRCUIT_BREAKER_ENABLED: 'false',
      MAX_CONCURRENCY: '2',
      MAX_QUEUE: '1',
      QUEUE_TIMEOUT_MS: '200',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '10000',
    });
    client = sdk(gateway);
  });

  it('uses VITTE_LLM_MODEL for a request without model and sends the slash id upstream unchanged', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: user('no model given'), stream: false }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { model: string; usage: { from_cache: boolean } };
    expect(body.model).toBe(seedModel);
    expect(body.usage.from_cache).toBe(false);
    const upstream = requestsFor(sim, 'no model given');
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.path).toBe('/v1/chat/completions');
    expect(upstream[0]!.headers.authorization).toBe(`Bearer ${upstreamKey}`);
    expect((upstream[0]!.body as { model: string }).model).toBe(seedModel);

    await client.chat.completions.create({ model: seedModel, messages: user('slash id by name') });
    expect((requestsFor(sim, 'slash id by name')[0]!.body as { model: string }).model).toBe(seedModel);
  });

  it('two upstream 500s then success: three upstream calls, the client sees 200', async () => {
    sim.inject({ status: 500, times: 2, path: '/chat/completions' });
    const { data, response } = await client.chat.completions
      .create({ model: seedModel, messages: user('two 500s then fine') })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.choices[0]!.message.content).toBe('Echo: two 500s then fine');
    expect(response.headers.get('x-gateway-backend')).toBe('deepseek');
    expect(requestsFor(sim, 'two 500s then fine').map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it("honours an upstream 429's Retry-After before retrying, and passes on one too long to wait", async () => {
    sim.inject({ status: 429, headers: { 'retry-after': '1' }, path: '/chat/completions' });
    const completion = await client.chat.completions.create({ model: seedModel, messages: user('429 once') });
    expect(completion.choices[0]!.message.content).toBe('Echo: 429 once');
    const upstream = requestsFor(sim, '429 once');
    expect(upstream.map((r) => r.status)).toEqual([429, 200]);
    // The retry waited out the upstream's second.
    expect(upstream[1]!.startedAt - (upstream[0]!.endedAt ?? 0)).toBeGreaterThanOrEqual(950);

    sim.inject({ status: 429, headers: { 'retry-after': '30' }, path: '/chat/completions' });
    const error = await apiError(
      client.chat.completions.create({ model: seedModel, messages: user('429 long') }),
    );
    expect(error.status).toBe(429);
    expect(error.headers?.get('retry-after')).toBe('30');
    expect(requestsFor(sim, '429 long')).toHaveLength(1);
  });

  it('a hung upstream hits the per-call timeout on every attempt: 504, each upstream call aborted', async () => {
    sim.inject({ hang: true, times: 3, path: '/chat/completions' });
    const error = await apiError(
      client.chat.completions.create({ model: seedModel, messages: user('hang up') }),
    );
    expect(error.status).toBe(504);
    expect((error.error as { type?: string }).type).toBe('timeout_error');
    await waitUntil(
      () => requestsFor(sim, 'hang up').every((r) => r.aborted),
      'the hung calls to be aborted',
    );
    expect(requestsFor(sim, 'hang up')).toHaveLength(3);

    // One hang, then an answer: the retry after the timeout succeeds.
    sim.inject({ hang: true, path: '/chat/completions' });
    const completion = await client.chat.completions.create({
      model: seedModel,
      messages: user('hang once'),
    });
    expect(completion.choices[0]!.message.content).toBe('Echo: hang once');
    expect(requestsFor(sim, 'hang once').map((r) => r.aborted)).toEqual([true, false]);
  });

  it('a stream dropped mid-way is reported to the client and not retried', async () => {
    sim.inject({ dropAfterChunks: 3, path: '/chat/completions' });
    const stream = await client.chat.completions.create({
      model: seedModel,
      messages: user('long stream that drops'),
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).message).toMatch(/upstream/i);
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(longReply.length);
    await sleep(100);
    expect(requestsFor(sim, 'long stream that drops')).toHaveLength(1);
  });

  it('a stream that fails before its first byte is retried', async () => {
    sim.inject({ status: 503, path: '/chat/completions' });
    const stream = await client.chat.completions.create({
      model: seedModel,
      messages: user('stream after a 503'),
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Echo: stream after a 503');
    expect(requestsFor(sim, 'stream after a 503').map((r) => r.status)).toEqual([503, 200]);
  });

  it('requests beyond MAX_CONCURRENCY wait in the bounded queue, then get a 503 with a clear message', async () => {
    sim.inject({ latencyMs: 700, times: 2, path: '/chat/completions' });
    const slow = [1, 2].map((i) =>
      client.chat.completions.create({ model: seedModel, messages: user(`slow ${i}`) }),
    );
    await waitUntil(() => sim.inFlight === 2, 'two slow upstream calls in flight');
    const error = await apiError(
      client.chat.completions.create({ model: seedModel, messages: user('one too many') }),
    );
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/capacity/i);
    expect((error.error as { code?: string }).code).toBe('concurrency_limit');
    expect(error.headers?.get('retry-after')).toBe('1');
    expect(requestsFor(sim, 'one too many')).toHaveLength(0);
    const answers = await Promise.all(slow);
    expect(answers.map((a) => a.choices[0]!.message.content)).toEqual(['Echo: slow 1', 'Echo: slow 2']);
    const metrics = await (await fetch(`${gateway.url}/metrics?format=prometheus`)).text();
    expect(metrics).toContain('gateway_concurrency_rejections_total 1');
  });

  it('a client that disconnects aborts the upstream call, streamed or not', async () => {
    const streaming = new AbortController();
    const stream = await client.chat.completions.create(
      { model: seedModel, messages: user('long story, then hang up'), stream: true },
      { signal: streaming.signal },
    );
    for await (const _ of stream) break;
    streaming.abort();
    await waitUntil(
      () => requestsFor(sim, 'long story, then hang up')[0]?.aborted === true,
      'the upstream stream to be aborted',
    );
    expect(requestsFor(sim, 'long story, then hang up')[0]!.completed).toBe(false);

    sim.inject({ latencyMs: 5000, path: '/chat/completions' });
    const waiting = new AbortController();
    const pending = client.chat.completions
      .create({ model: seedModel, messages: user('leave before the answer') }, { signal: waiting.signal })
      .catch((e: unknown) => e);
    await waitUntil(() => requestsFor(sim, 'leave before the answer').length === 1, 'the upstream call');
    waiting.abort();
    await pending;
    await waitUntil(
      () => requestsFor(sim, 'leave before the answer')[0]?.aborted === true,
      'the upstream call to be aborted',
    );
    // Not retried: the client is gone.
    await sleep(100);
    expect(requestsFor(sim, 'leave before the answer')).toHaveLength(1);
    await waitUntil(() => sim.inFlight === 0, 'no upstream call in flight');
  });

  it("serves /metrics as the seed's JSON by default and /health with the seed's fields", async () => {
    const json = (await (await fetch(`${gateway.url}/metrics`)).json()) as Record<string, unknown>;
    expect(json).toMatchObject({
      circuit_breaker: { state: 'closed', failure_count: 0, failure_threshold: 5 },
      rate_limiter: { rate: 10000, tokens_available: expect.any(Number) },
      cache_enabled: true,
      streaming_enabled: true,
    });
    const prometheus = await fetch(`${gateway.url}/metrics`, { headers: { accept: 'text/plain' } });
    expect(prometheus.headers.get('content-type')).toContain('text/plain');
    const text = await prometheus.text();
    expect(text).toContain('gateway_upstream_retries_total{backend="deepseek"}');
    expect(text).toMatch(
      /gateway_requests_total\{surface="openai",endpoint="chat.completions",backend="deepseek",status="200"\} \d+/,
    );

    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'healthy',
      service: 'llm-gateway',
      version: '1.0.0',
      backend: 'deepseek',
      model: seedModel,
      redis_connected: null,
      circuit_breakers: { deepseek: { state: 'closed' } },
      cache: { enabled: true, store: 'memory', ttl_seconds: 3600 },
      rate_limit: { enabled: true, store: 'memory', requests_per_minute: 10000 },
    });
  });
});

describe('llm-gateway profile: the circuit breaker, and streaming switched off', () => {
  let gateway: Gateway;
  let client: OpenAI;

  beforeAll(async () => {
    gateway = await gatewayWith({
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2',
      CIRCUIT_BREAKER_TIMEOUT: '1',
      RETRY_ATTEMPTS: '1',
      STREAMING_ENABLED: 'false',
    });
    client = sdk(gateway);
  });

  const metricsJson = async () =>
    (await (await fetch(`${gateway.url}/metrics?format=json`)).json()) as {
      circuit_breaker: { state: string; failure_count: number; failure_threshold: number };
    };

  it('opens after the threshold, fails fast without calling upstream, half-opens and recovers', async () => {
    sim.inject({ status: 500, times: 2, path: '/chat/completions' });
    for (const i of [1, 2]) {
      const error = await apiError(
        client.chat.completions.create({ model: seedModel, messages: user(`breaker ${i}`) }),
      );
      expect(error.status).toBe(502);
    }
    expect((await metricsJson()).circuit_breaker).toEqual({
      state: 'open',
      failure_count: 2,
      failure_threshold: 2,
    });

    const fast = await apiError(
      client.chat.completions.create({ model: seedModel, messages: user('breaker open') }),
    );
    expect(fast.status).toBe(503);
    expect((fast.error as { code?: string }).code).toBe('circuit_open');
    expect(Number(fast.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(requestsFor(sim, 'breaker open')).toHaveLength(0);
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'healthy', circuit_breakers: { deepseek: { state: 'open' } } });

    await waitUntil(
      async () => (await metricsJson()).circuit_breaker.state === 'half_open',
      'half-open',
      3000,
    );
    const completion = await client.chat.completions.create({
      model: seedModel,
      messages: user('breaker trial'),
    });
    expect(completion.choices[0]!.message.content).toBe('Echo: breaker trial');
    expect((await metricsJson()).circuit_breaker).toEqual({
      state: 'closed',
      failure_count: 0,
      failure_threshold: 2,
    });
    const text = await (await fetch(`${gateway.url}/metrics?format=prometheus`)).text();
    expect(text).toContain('gateway_circuit_breaker_state{backend="deepseek"} 0');
  });

  it('answers a stream request with a 400 streaming_disabled when STREAMING_ENABLED=false', async () => {
    const error = await apiError(
      client.chat.completions.create({ model: seedModel, messages: user('stream please'), stream: true }),
    );
    expect(error.status).toBe(400);
    expect((error.error as { code?: string }).code).toBe('streaming_disabled');
    expect(requestsFor(sim, 'stream please')).toHaveLength(0);
    expect(await metricsJson()).toMatchObject({ streaming_enabled: false });
  });
});

describe('fallback: a second backend answers when the primary is down', () => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-resilience-'));
    const deadPort = await freePort();
    const file = join(dir, 'fallback.yaml');
    await writeFile(
      file,
      `
service:
  name: fallback-test
backends:
  deepseek:
    plugin: backend-deepseek
    config:
      apiKey: \${PROXYAPI_API_KEY}
      baseURL: http://127.0.0.1:${deadPort}/v1
  spare:
    plugin: backend-openai
    config:
      apiKey: \${PROXYAPI_API_KEY}
      baseURL: \${OPENROUTER_BASE_URL}
routing:
  defaultModel: ${seedModel}
  models:
    ${seedModel}:
      strategy: fallback
      targets:
        - { backend: deepseek }
        - { backend: spare }
surfaces:
  openai:
    plugin: surface-openai
    auth: []
resilience:
  retries:
    attempts: 2
    baseDelayMs: 5
`,
    );
    gateway = await gatewayWith({}, file);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('tries the primary (with its retry), then answers from the spare and says which backend answered', async () => {
    const { data, response } = await sdk(gateway)
      .chat.completions.create({ model: seedModel, messages: user('primary is down') })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Echo: primary is down');
    expect(response.headers.get('x-gateway-backend')).toBe('spare');
    expect(response.headers.get('x-gateway-model')).toBe(seedModel);
    expect(requestsFor(sim, 'primary is down')).toHaveLength(1);
    const text = await (await fetch(`${gateway.url}/metrics?format=prometheus`)).text();
    expect(text).toContain('gateway_fallbacks_total{backend="deepseek"} 1');
    expect(text).toContain('gateway_upstream_requests_total{backend="deepseek",outcome="upstream_error"} 2');
  });
});
