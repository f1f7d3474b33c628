/**
 * OpenTelemetry end to end: the built `gateway` process with OTEL_EXPORTER_OTLP_ENDPOINT pointing at
 * a real OTLP/HTTP receiver, a chat request carrying a W3C traceparent, the OpenAI-wire simulator
 * failing the first upstream call once (so the gateway retries): the span tree, its GenAI attributes,
 * and the trace context the upstream received.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type OtlpReceiver,
  type Simulator,
  startOpenAISimulator,
  startOtlpReceiver,
} from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { requestsFor, waitUntil } from './helpers/http.js';

const apiKey = 'sk-e2e-tracing-0123456789';
const upstreamKey = 'sk-upstream-tracing-0123456789';
const model = 'gpt-4o-mini';

const profileText = `
service:
  name: tracing-e2e
  version: 9.9.9
backends:
  openai:
    plugin: backend-openai
    config:
      apiKey: \${OPENAI_API_KEY}
      baseURL: \${OPENAI_BASE_URL}
routing:
  defaultModel: ${model}
auth:
  keys:
    plugin: auth-api-key
    config:
      keys: ${apiKey}
surfaces:
  openai:
    plugin: surface-openai
    auth: [keys]
cache:
  enabled: true
rateLimit:
  requestsPerMinute: 1000
  tokensPerDay: 1000000
resilience:
  retries:
    attempts: 3
    baseDelayMs: 5
  circuitBreaker:
    enabled: false
`;

let sim: Simulator;
let receiver: OtlpReceiver;
let dir: string;
const gateways: Gateway[] = [];

async function gatewayWith(env: Record<string, string>): Promise<Gateway> {
  const gateway = await startGateway({
    profile: join(dir, 'tracing.yaml'),
    env: { OPENAI_API_KEY: upstreamKey, OPENAI_BASE_URL: `${sim.url}/v1`, LOG_LEVEL: 'warn', ...env },
  });
  gateways.push(gateway);
  return gateway;
}

function chat(gateway: Gateway, prompt: string, headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: prompt }],
      max_tokens: 64,
      temperature: 0.25,
    }),
  });
}

/** A fresh W3C trace context of the "client", sampled. */
function clientTrace(): { traceId: string; parentId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
}

const traceIdOf = (traceparent: unknown) => String(traceparent).split('-')[1];
const parentIdOf = (traceparent: unknown) => String(traceparent).split('-')[2];

beforeAll(async () => {
  [sim, receiver] = await Promise.all([startOpenAISimulator({ apiKey: upstreamKey }), startOtlpReceiver()]);
  dir = await mkdtemp(join(tmpdir(), 'gateway-tracing-'));
  await writeFile(join(dir, 'tracing.yaml'), profileText);
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await Promise.all([sim?.close(), receiver?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await gatewayWith({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'gateway-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
  });

  it('exports the request span tree under the client trace, retries as separate upstream spans, and passes the trace to the upstream', async () => {
    const client = clientTrace();
    sim.inject({ status: 503, path: '/chat/completions' });
    const response = await chat(gateway, 'traced hello', { traceparent: client.traceparent });
    expect(response.status).toBe(200);
    await response.json();

    const server = await receiver.waitFor((s) => s.traceId === client.traceId && s.kind === 2);
    await waitUntil(
      () => receiver.spans.filter((s) => s.traceId === client.traceId).length >= 8,
      'every span of the request',
    );
    const spans = receiver.spans.filter((s) => s.traceId === client.traceId);
    const children = (name: string) =>
      spans.filter((s) => s.name === name && s.parentSpanId === server.spanId);

    // The server span: named after the route, child of the client's span, GenAI summary.
    expect(server.name).toBe('POST /v1/chat/completions');
    expect(server.parentSpanId).toBe(client.parentId);
    expect(server.resource['service.name']).toBe('gateway-under-test');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gen_ai.system': 'openai',
      'gen_ai.request.model': model,
      'gen_ai.response.model': model,
      'gateway.backend': 'openai',
      'gateway.retries': 1,
      'gateway.cache_hit': false,
    });
    expect(server.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(server.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);

    // Auth, rate limit (requests of the minute, tokens of the day) and cache, each under the server span.
    expect(children('auth')).toHaveLength(1);
    expect(children('auth')[0]!.attributes['gateway.principal.kind']).toBe('api_key');
    expect(
      children('rate_limit')
        .map((s) => s.attributes['gateway.rate_limit.kind'])
        .sort(),
    ).toEqual(['requests', 'tokens']);
    expect(children('cache lookup')).toHaveLength(1);
    expect(children('cache lookup')[0]!.attributes['gateway.cache.hit']).toBe(false);
    expect(children('cache store')).toHaveLength(1);

    // One CLIENT span per upstream attempt: the failed one, then the retry that answered.
    const attempts = children(`chat ${model}`);
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt.kind).toBe(3);
      expect(attempt.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': model,
        'gen_ai.request.max_tokens': 64,
        'gen_ai.request.temperature': 0.25,
      });
    }
    const failed = attempts.find((s) => s.statusCode === 2);
    const answered = attempts.find((s) => s.statusCode !== 2);
    expect(failed?.attributes['error.type']).toBe('upstream_error');
    expect(answered?.attributes).toMatchObject({ 'gen_ai.response.model': model });
    expect(answered?.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(answered?.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);

    // The upstream got the client's trace id, each attempt as its parent.
    const upstream = requestsFor(sim, 'traced hello');
    expect(upstream).toHaveLength(2);
    expect(upstream.map((r) => traceIdOf(r.headers.traceparent))).toEqual([client.traceId, client.traceId]);
    expect(upstream.map((r) => parentIdOf(r.headers.traceparent)).sort()).toEqual(
      attempts.map((s) => s.spanId).sort(),
    );
  });

  it('ends a streamed attempt span when the stream ends, with its usage and finish reason', async () => {
    const client = clientTrace();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        traceparent: client.traceparent,
      },
      body: JSON.stringify({
        model,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'traced stream' }],
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('[DONE]');
    const attempt = await receiver.waitFor((s) => s.traceId === client.traceId && s.kind === 3);
    expect(attempt.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(attempt.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    const server = await receiver.waitFor((s) => s.traceId === client.traceId && s.kind === 2);
    expect(attempt.parentSpanId).toBe(server.spanId);
    expect(traceIdOf(requestsFor(sim, 'traced stream')[0]?.headers.traceparent)).toBe(client.traceId);
  });

  it('traces an embeddings call as an embeddings span and passes the trace upstream', async () => {
    const client = clientTrace();
    const response = await fetch(`${gateway.url}/v1/embeddings`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        traceparent: client.traceparent,
      },
      body: JSON.stringify({ model: 'openai/text-embedding-3-small', input: 'traced embedding' }),
    });
    expect(response.status).toBe(200);
    const attempt = await receiver.waitFor((s) => s.traceId === client.traceId && s.kind === 3);
    expect(attempt.name).toBe('embeddings text-embedding-3-small');
    expect(attempt.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'text-embedding-3-small',
    });
    expect(attempt.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    const upstream = sim.lastRequest('/embeddings');
    expect(traceIdOf(upstream?.headers.traceparent)).toBe(client.traceId);
    expect(parentIdOf(upstream?.headers.traceparent)).toBe(attempt.spanId);
  });

  it('marks a cache hit on the lookup span and calls no upstream', async () => {
    const client = clientTrace();
    const response = await chat(gateway, 'traced hello', { traceparent: client.traceparent });
    expect(response.status).toBe(200);
    const server = await receiver.waitFor((s) => s.traceId === client.traceId && s.kind === 2);
    expect(server.attributes['gateway.cache_hit']).toBe(true);
    const lookup = await receiver.waitFor((s) => s.traceId === client.traceId && s.name === 'cache lookup');
    expect(lookup.attributes['gateway.cache.hit']).toBe(true);
    expect(receiver.spans.filter((s) => s.traceId === client.traceId && s.kind === 3)).toHaveLength(0);
  });

  it('records a refused credential as a failed auth span and a 401 server span', async () => {
    const client = clientTrace();
    const response = await chat(gateway, 'no entry', {
      traceparent: client.traceparent,
      authorization: 'Bearer sk-wrong-key-0000000000',
    });
    expect(response.status).toBe(401);
    const auth = await receiver.waitFor((s) => s.traceId === client.traceId && s.name === 'auth');
    expect(auth.statusCode).toBe(2);
    expect(auth.attributes['error.type']).toBe('authentication');
    const server = await receiver.waitFor((s) => s.traceId === client.traceId && s.kind === 2);
    expect(server.attributes['http.response.status_code']).toBe(401);
  });
});

describe('without an OTLP endpoint', () => {
  it('exports nothing and forwards no trace context upstream', async () => {
    const gateway = await gatewayWith({});
    const client = clientTrace();
    const response = await chat(gateway, 'untraced hello', { traceparent: client.traceparent });
    expect(response.status).toBe(200);
    const [upstream] = requestsFor(sim, 'untraced hello');
    expect(upstream?.headers.traceparent).toBeUndefined();
    expect(receiver.spans.some((s) => s.traceId === client.traceId)).toBe(false);
  });
});
