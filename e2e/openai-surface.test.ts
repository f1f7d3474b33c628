/**
 * The OpenAI surface end to end: the built `gateway` process on configs/default.yaml, real upstream
 * wire formats from the testkit simulators, driven by the official `openai` SDK and plain fetch.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Simulator, startOllamaSimulator, startOpenAISimulator } from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkProfile,
  type Gateway,
  GatewayStartError,
  simulatedBackendsEnv,
  startGateway,
} from './helpers/gateway.js';
import { expectOpenAIError, postJson, requestsFor, sseData, waitUntil } from './helpers/http.js';

const keys = {
  openai: 'sk-e2e-openai-0123456789abcdef',
  deepseek: 'sk-e2e-deepseek-0123456789abcdef',
  groq: 'gsk_e2e_groq_0123456789abcdef',
};
const clientKeys = ['e2e-client-key-one-5f1c2a', 'e2e-client-key-two-9b7d3e'];

interface BackendCase {
  /** What the client asks for. */
  model: string;
  /** The profile's backend instance that must answer. */
  backend: 'openai' | 'deepseek' | 'groq' | 'ollama';
  /** The model id the upstream must receive. */
  upstreamModel: string;
  /** The path the upstream must see (each provider's real base URL layout). */
  path: string;
  /** The key the upstream must receive, for the OpenAI-wire providers. */
  key?: string;
}

const cases: BackendCase[] = [
  {
    model: 'gpt-4o-mini',
    backend: 'openai',
    upstreamModel: 'gpt-4o-mini',
    path: '/v1/chat/completions',
    key: keys.openai,
  },
  {
    model: 'deepseek-chat',
    backend: 'deepseek',
    upstreamModel: 'deepseek-chat',
    path: '/chat/completions',
    key: keys.deepseek,
  },
  {
    model: 'llama-3.1-8b-instant',
    backend: 'groq',
    upstreamModel: 'llama-3.1-8b-instant',
    path: '/openai/v1/chat/completions',
    key: keys.groq,
  },
  {
    model: 'groq/llama-3.1-8b-instant',
    backend: 'groq',
    upstreamModel: 'llama-3.1-8b-instant',
    path: '/openai/v1/chat/completions',
    key: keys.groq,
  },
  { model: 'llama3.2', backend: 'ollama', upstreamModel: 'llama3.2', path: '/api/chat' },
];

/** The simulators' token counts are word counts. */
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

let openaiSim: Simulator;
let ollamaSim: Simulator;
let gateway: Gateway;
let client: OpenAI;

beforeAll(async () => {
  openaiSim = await startOpenAISimulator();
  ollamaSim = await startOllamaSimulator();
  gateway = await startGateway({
    profile: 'configs/default.yaml',
    env: {
      ...simulatedBackendsEnv(keys, { openai: openaiSim, ollama: ollamaSim }),
    },
  });
  // The gateway runs without GATEWAY_API_KEYS here: any key (or none) is accepted.
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([openaiSim?.close(), ollamaSim?.close()]);
});

function simFor(backend: BackendCase['backend']): Simulator {
  return backend === 'ollama' ? ollamaSim : openaiSim;
}

function upstreamRequest(c: BackendCase, prompt: string) {
  const seen = requestsFor(simFor(c.backend), prompt);
  expect(seen, `upstream requests for "${prompt}"`).toHaveLength(1);
  const record = seen[0]!;
  expect(record.method).toBe('POST');
  expect(record.path).toBe(c.path);
  expect((record.body as { model?: string }).model).toBe(c.upstreamModel);
  // The gateway sends its own provider key, never the client's.
  if (c.key) expect(record.headers.authorization).toBe(`Bearer ${c.key}`);
  return record;
}

describe('chat completions on every backend', () => {
  for (const c of cases) {
    it(`${c.model}: JSON answer from ${c.backend}`, async () => {
      const prompt = `Hello ${c.backend} from ${c.model} without streaming`;
      const expected = `Echo: ${prompt}`;
      const { data, response } = await client.chat.completions
        .create({ model: c.model, messages: [{ role: 'user', content: prompt }] })
        .withResponse();

      expect(response.status).toBe(200);
      expect(response.headers.get('x-gateway-backend')).toBe(c.backend);
      expect(data.object).toBe('chat.completion');
      expect(data.model).toContain(c.upstreamModel);
      expect(data.choices).toHaveLength(1);
      expect(data.choices[0]!.message.role).toBe('assistant');
      expect(data.choices[0]!.message.content).toBe(expected);
      expect(data.choices[0]!.finish_reason).toBe('stop');
      expect(data.usage).toMatchObject({
        prompt_tokens: words(prompt),
        completion_tokens: words(expected),
        total_tokens: words(prompt) + words(expected),
      });
      expect((data.usage as { from_cache?: unknown }).from_cache).toBe(false);

      const record = upstreamRequest(c, prompt);
      expect(record.stream).toBe(false);
      expect(record.completed).toBe(true);
    });

    it(`${c.model}: streamed answer from ${c.backend} with a usage chunk`, async () => {
      const prompt = `Hello ${c.backend} from ${c.model} as a stream`;
      const expected = `Echo: ${prompt}`;
      const { data: stream, response } = await client.chat.completions
        .create({
          model: c.model,
          messages: [{ role: 'user', content: prompt }],
          stream: true,
          stream_options: { include_usage: true },
        })
        .withResponse();

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('x-gateway-backend')).toBe(c.backend);
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);

      const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
      expect(text).toBe(expected);
      expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
      expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason === 'stop')).toBe(true);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toMatchObject({
        prompt_tokens: words(prompt),
        completion_tokens: words(expected),
        total_tokens: words(prompt) + words(expected),
      });
      // Only the final chunk carries usage.
      expect(chunks.slice(0, -1).every((chunk) => chunk.usage == null)).toBe(true);

      const record = upstreamRequest(c, prompt);
      expect(record.stream).toBe(true);
    });
  }

  it('answers a stream without stream_options with no usage chunk, ending in [DONE]', async () => {
    const prompt = 'Plain stream without usage';
    const response = await postJson(`${gateway.url}/v1/chat/completions`, {
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: prompt }],
    });
    expect(response.status).toBe(200);
    const events = sseData(await response.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as OpenAI.ChatCompletionChunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe(`Echo: ${prompt}`);
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true);
  });

  it('lists the models of every enabled backend', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      expect(model.object).toBe('model');
      ids.push(model.id);
    }
    expect(ids).toEqual(
      expect.arrayContaining(['gpt-4o-mini', 'deepseek-chat', 'llama-3.1-8b-instant', 'llama3.2']),
    );
  });
});

describe('bad input gets an OpenAI-shaped 4xx and never reaches an upstream', () => {
  let upstreamBefore = 0;
  const chatUrl = () => `${gateway.url}/v1/chat/completions`;
  const messages = [{ role: 'user', content: 'bad input test' }];

  beforeAll(() => {
    upstreamBefore = openaiSim.requests.length + ollamaSim.requests.length;
  });

  it('malformed JSON → 400', async () => {
    const response = await postJson(chatUrl(), '{"model": "gpt-4o-mini", "messages": [');
    const body = await expectOpenAIError(response, 400);
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('empty body → 400', async () => {
    const response = await postJson(chatUrl(), '');
    await expectOpenAIError(response, 400);
  });

  it('a JSON body that is not an object → 400', async () => {
    const response = await postJson(chatUrl(), '[1, 2, 3]');
    await expectOpenAIError(response, 400);
  });

  it('missing messages → 400 naming messages', async () => {
    const response = await postJson(chatUrl(), { model: 'gpt-4o-mini' });
    const body = await expectOpenAIError(response, 400);
    expect(body.error.param).toBe('messages');
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('empty messages → 400 naming messages', async () => {
    const response = await postJson(chatUrl(), { model: 'gpt-4o-mini', messages: [] });
    const body = await expectOpenAIError(response, 400);
    expect(body.error.param).toBe('messages');
  });

  it('wrong types → 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ model: 'gpt-4o-mini', messages, max_tokens: 'ten' }, 'max_tokens'],
      [{ model: 'gpt-4o-mini', messages, stream: 'yes' }, 'stream'],
      [{ model: 'gpt-4o-mini', messages: [{ role: 'wizard', content: 'hi' }] }, 'messages[0].role'],
      [{ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 42 }] }, 'messages[0].content'],
      [{ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }, 'hi'] }, 'messages[1]'],
    ];
    for (const [payload, param] of cases) {
      const response = await postJson(chatUrl(), payload);
      const body = await expectOpenAIError(response, 400);
      expect(body.error.param, JSON.stringify(payload)).toBe(param);
    }
  });

  // OpenAI answers every one of these with a 400 "Invalid type for '<param>'"; the gateway must not
  // quietly coerce them (Fastify's default Ajv option coerceTypes: 'array' does).
  it.each<[string, Record<string, unknown>, string]>([
    ['model: 42', { model: 42, messages }, 'model'],
    ['model: ["gpt-4o-mini"]', { model: ['gpt-4o-mini'], messages }, 'model'],
    ['messages: "hello"', { model: 'gpt-4o-mini', messages: 'hello' }, 'messages'],
    ['temperature: "1"', { model: 'gpt-4o-mini', messages, temperature: '1' }, 'temperature'],
    ['max_tokens: "12"', { model: 'gpt-4o-mini', messages, max_tokens: '12' }, 'max_tokens'],
    ['stream: 1', { model: 'gpt-4o-mini', messages, stream: 1 }, 'stream'],
  ])('a value of the wrong JSON type is rejected, not coerced: %s', async (_name, payload, param) => {
    const response = await postJson(chatUrl(), payload);
    const body = await expectOpenAIError(response, 400);
    expect(body.error.param).toBe(param);
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('temperature 5 → 400 naming temperature', async () => {
    const response = await postJson(chatUrl(), { model: 'gpt-4o-mini', messages, temperature: 5 });
    const body = await expectOpenAIError(response, 400);
    expect(body.error.param).toBe('temperature');
  });

  it('unknown model → 404 model_not_found', async () => {
    const response = await postJson(chatUrl(), { model: 'no-such-model-e2e', messages });
    const body = await expectOpenAIError(response, 404);
    expect(body.error.code).toBe('model_not_found');
    expect(body.error.message).toContain('no-such-model-e2e');
  });

  it('unknown backend prefix → 404 model_not_found', async () => {
    const response = await postJson(chatUrl(), { model: 'nobackend/gpt-4o-mini', messages });
    const body = await expectOpenAIError(response, 404);
    expect(body.error.code).toBe('model_not_found');
  });

  it('a non-JSON content type → 4xx', async () => {
    const response = await fetch(chatUrl(), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    await expectOpenAIError(response);
    expect(response.status).toBeLessThan(500);
  });

  it('a body over the limit (1 MiB in default.yaml) → 413', async () => {
    const big = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x'.repeat(1_200_000) }],
    });
    const response = await postJson(chatUrl(), big);
    const body = await expectOpenAIError(response, 413);
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('an unknown route → 404', async () => {
    const response = await fetch(`${gateway.url}/v1/no-such-route`);
    expect(response.status).toBe(404);
    await response.arrayBuffer();
  });

  it('none of the bad requests above reached an upstream', () => {
    const reached = [...openaiSim.requests, ...ollamaSim.requests].slice(upstreamBefore);
    expect(reached.map((record) => record.rawBody)).toEqual([]);
  });
});

describe('upstream failures', () => {
  afterEach(() => {
    openaiSim.reset();
    ollamaSim.reset();
  });

  it('an upstream that answers 500 to every attempt → 5xx OpenAI error after retries', async () => {
    openaiSim.inject({ status: 500, times: 50, path: /^\/chat\/completions$/ });
    const prompt = 'upstream 500 every time';
    const response = await postJson(`${gateway.url}/v1/chat/completions`, {
      model: 'deepseek-chat',
      messages: [{ role: 'user', content: prompt }],
    });
    const body = await expectOpenAIError(response);
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(response.status).not.toBe(500);
    expect(body.error.type).not.toBe('invalid_request_error');
    expect(JSON.stringify(body)).not.toContain(keys.deepseek);
    expect(requestsFor(openaiSim, prompt).length).toBeGreaterThanOrEqual(1);
  });

  it('retries an upstream 5xx (DESIGN §6: 3 attempts by default)', async () => {
    openaiSim.inject({ status: 500, times: 50, path: /^\/chat\/completions$/ });
    const prompt = 'upstream 500, count the attempts';
    const response = await postJson(`${gateway.url}/v1/chat/completions`, {
      model: 'deepseek-chat',
      messages: [{ role: 'user', content: prompt }],
    });
    await expectOpenAIError(response);
    expect(requestsFor(openaiSim, prompt)).toHaveLength(3);
  });

  it('a stream whose upstream answers 500 before any byte → 5xx JSON error, not a broken SSE', async () => {
    openaiSim.inject({ status: 500, times: 50, path: /^\/chat\/completions$/ });
    const response = await postJson(`${gateway.url}/v1/chat/completions`, {
      model: 'deepseek-chat',
      stream: true,
      messages: [{ role: 'user', content: 'upstream 500 for a stream' }],
    });
    await expectOpenAIError(response);
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(response.status).not.toBe(500);
  });

  it("upstream 401 (the gateway's key was refused) → 502, not retried, key not leaked", async () => {
    openaiSim.inject({ status: 401, path: '/openai/v1/chat/completions' });
    const prompt = 'upstream refuses our key';
    const response = await postJson(`${gateway.url}/v1/chat/completions`, {
      model: 'llama-3.1-8b-instant',
      messages: [{ role: 'user', content: prompt }],
    });
    const body = await expectOpenAIError(response, 502);
    expect(JSON.stringify(body)).not.toContain(keys.groq);
    expect(requestsFor(openaiSim, prompt)).toHaveLength(1);
  });

  it('upstream 400 → 4xx for the client, not retried', async () => {
    openaiSim.inject({ status: 400, path: '/v1/chat/completions' });
    const prompt = 'upstream rejects the request';
    const response = await postJson(`${gateway.url}/v1/chat/completions`, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: prompt }],
    });
    await expectOpenAIError(response, 400);
    expect(requestsFor(openaiSim, prompt)).toHaveLength(1);
  });

  it('upstream 429 with Retry-After → 429 rate_limit_error with Retry-After', async () => {
    openaiSim.inject({
      status: 429,
      times: 50,
      headers: { 'retry-after': '1' },
      path: '/v1/chat/completions',
    });
    const response = await postJson(`${gateway.url}/v1/chat/completions`, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'upstream says slow down' }],
    });
    const body = await expectOpenAIError(response, 429);
    expect(body.error.type).toBe('rate_limit_error');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('one upstream 503, then success → the retry answers 200', async () => {
    ollamaSim.inject({ status: 503, path: '/api/chat' });
    const prompt = 'first attempt fails then works';
    const completion = await client.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: prompt }],
    });
    expect(completion.choices[0]!.message.content).toBe(`Echo: ${prompt}`);
    expect(requestsFor(ollamaSim, prompt)).toHaveLength(2);
  });

  it('a stream the upstream drops mid-way does not end like a complete answer', async () => {
    openaiSim.inject({ dropAfterChunks: 3, path: '/v1/chat/completions' });
    const prompt = 'one two three four five six seven eight nine ten';
    let text = '';
    let finished = false;
    let failed = false;
    try {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: prompt }],
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.choices[0]?.finish_reason === 'stop' || chunk.usage) finished = true;
      }
    } catch {
      failed = true;
    }
    expect(failed || !finished, `got "${text}" and a normal end`).toBe(true);
    expect(text).not.toBe(`Echo: ${prompt}`);
  });

  it('the gateway is still alive and healthy afterwards', async () => {
    expect(gateway.child.exitCode).toBeNull();
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    await health.arrayBuffer();
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'still there?' }],
    });
    expect(completion.choices[0]!.message.content).toBe('Echo: still there?');
  });
});

describe('service routes', () => {
  it('/health answers one JSON object with status, service and version', async () => {
    const response = await fetch(`${gateway.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const health = (await response.json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'healthy', service: 'llm-gateway', version: '0.1.0' });
    for (const name of ['openai', 'deepseek', 'groq', 'ollama']) {
      const entry = backendEntry(health, name);
      expect(entry, `health entry of ${name} in ${JSON.stringify(health)}`).toBeDefined();
      expect(isDisabled(entry), `${name}: ${JSON.stringify(entry)}`).toBe(false);
    }
  });

  it('/metrics serves Prometheus text with gateway_requests_total', async () => {
    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('# TYPE gateway_requests_total counter');
    // Requests were served above, so the counter has samples.
    expect(text).toMatch(/^gateway_requests_total(\{[^}]*\})? [1-9]\d*$/m);
  });

  it('/openapi.json describes the OpenAI routes', async () => {
    const response = await fetch(`${gateway.url}/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi?: string;
      paths?: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths ?? {})).toEqual(
      expect.arrayContaining(['/v1/chat/completions', '/v1/models']),
    );
    expect(doc.paths?.['/v1/chat/completions']?.['post']).toBeDefined();
    // `stream: true` answers server-sent events: the document says so, or a client checking it rejects them.
    for (const path of ['/v1/chat/completions', '/v1/completions']) {
      const post = doc.paths?.[path]?.['post'] as { responses: Record<string, { content: object }> };
      expect(Object.keys(post.responses['200']?.content ?? {}), path).toEqual([
        'application/json',
        'text/event-stream',
      ]);
    }
  });

  it('/docs serves the Swagger UI as HTML, without a CDN', async () => {
    const response = await fetch(`${gateway.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html.toLowerCase()).toContain('<html');
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs)\./);
  });

  it('never writes provider keys to its logs', async () => {
    const logs = await gateway.writtenLogs();
    for (const key of Object.values(keys)) expect(logs).not.toContain(key);
  });
});

describe('with GATEWAY_API_KEYS, a slow upstream and only some backends', () => {
  let slowSim: Simulator;
  let secured: Gateway;
  const totalWords = 200;

  beforeAll(async () => {
    // Every streamed chunk after the first waits 200 ms: a long answer takes ~40 s, plenty to abort.
    slowSim = await startOpenAISimulator({
      chunkDelayMs: 200,
      reply: () => 'word '.repeat(totalWords).trim(),
    });
    secured = await startGateway({
      profile: 'configs/default.yaml',
      env: {
        GATEWAY_API_KEYS: clientKeys.join(','),
        OPENAI_API_KEY: keys.openai,
        OPENAI_BASE_URL: `${slowSim.url}/v1`,
        // No GROQ_API_KEY and no OLLAMA_HOST: those backends stay disabled.
        DEEPSEEK_API_KEY: keys.deepseek,
        DEEPSEEK_BASE_URL: slowSim.url,
      },
    });
  });
  afterAll(async () => {
    await secured?.stop();
    await slowSim?.close();
  });

  const chat = (headers: Record<string, string>, model = 'gpt-4o-mini') =>
    postJson(
      `${secured.url}/v1/chat/completions`,
      { model, messages: [{ role: 'user', content: 'auth check' }] },
      headers,
    );

  it('no key → 401', async () => {
    const body = await expectOpenAIError(await chat({}), 401);
    expect(body.error.type).toBe('authentication_error');
  });

  it('a wrong key → 401', async () => {
    await expectOpenAIError(await chat({ authorization: 'Bearer not-a-valid-key' }), 401);
    await expectOpenAIError(await chat({ authorization: `Bearer ${clientKeys[0]}x` }), 401);
  });

  it('/v1/models needs a key too', async () => {
    const response = await fetch(`${secured.url}/v1/models`);
    await expectOpenAIError(response, 401);
  });

  it('either configured key → 200, and the upstream gets the provider key, not the client key', async () => {
    for (const apiKey of clientKeys) {
      const sdk = new OpenAI({ baseURL: `${secured.url}/v1`, apiKey, maxRetries: 0 });
      const completion = await sdk.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: `key ${apiKey.slice(-6)}` }],
      });
      expect(completion.choices[0]!.message.content).toBe('word '.repeat(totalWords).trim());
      const record = requestsFor(slowSim, `key ${apiKey.slice(-6)}`)[0];
      expect(record?.headers.authorization).toBe(`Bearer ${keys.openai}`);
    }
  });

  it('/health lists the backends without credentials as disabled', async () => {
    const response = await fetch(`${secured.url}/health`);
    expect([200, 503]).toContain(response.status);
    const health = (await response.json()) as Record<string, unknown>;
    for (const name of ['groq', 'ollama']) {
      const entry = backendEntry(health, name);
      expect(entry, `health entry of ${name} in ${JSON.stringify(health)}`).toBeDefined();
      expect(isDisabled(entry), `${name}: ${JSON.stringify(entry)}`).toBe(true);
    }
    for (const name of ['openai', 'deepseek']) {
      const entry = backendEntry(health, name);
      expect(entry, `health entry of ${name} in ${JSON.stringify(health)}`).toBeDefined();
      expect(isDisabled(entry), `${name}: ${JSON.stringify(entry)}`).toBe(false);
    }
  });

  it('a model of a disabled backend → a clear 503 backend_unavailable or 404', async () => {
    for (const model of ['llama-3.1-8b-instant', 'groq/llama-3.1-8b-instant', 'llama3.2']) {
      const response = await chat({ authorization: `Bearer ${clientKeys[0]}` }, model);
      const body = await expectOpenAIError(response);
      expect([404, 503], `${model}: ${JSON.stringify(body)}`).toContain(response.status);
      if (response.status === 503) expect(body.error.code).toBe('backend_unavailable');
      else expect(body.error.code).toBe('model_not_found');
    }
  });

  it('a client that disconnects mid-stream aborts the upstream call', async () => {
    const prompt = 'long story, then hang up';
    const controller = new AbortController();
    const response = await fetch(`${secured.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${clientKeys[1]}` },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: prompt }],
      }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    controller.abort();
    await reader.cancel().catch(() => undefined);

    await waitUntil(
      () => requestsFor(slowSim, prompt)[0]?.aborted === true,
      'the upstream request to be aborted',
    );
    const record = requestsFor(slowSim, prompt)[0]!;
    expect(record.completed).toBe(false);
    expect(record.chunks).toBeLessThan(totalWords);
    await waitUntil(() => slowSim.inFlight === 0, 'no upstream request in flight');

    expect(secured.child.exitCode).toBeNull();
    const health = await fetch(`${secured.url}/health`);
    expect([200, 503]).toContain(health.status);
    await health.arrayBuffer();
  });
});

describe('gateway check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-e2e-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    'configs/default.yaml',
    'bench/profile.yaml',
  ])('accepts %s (exit 0) with no environment at all', async (profile) => {
    const result = await checkProfile(profile);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/^OK /);
  });

  it('rejects a broken profile with a non-zero exit naming the key', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'server:\n  port: abc\n');
    const result = await checkProfile(broken);
    expect(result.code, result.output).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.output).toContain('server.port');
    expect(result.output).not.toMatch(/\n\s+at .*\.js:\d+/);
  });

  it('a missing profile file → non-zero exit naming the file', async () => {
    const missing = join(dir, 'does-not-exist.yaml');
    const result = await checkProfile(missing);
    expect(result.code, result.output).not.toBe(0);
    expect(result.output).toContain('does-not-exist.yaml');
  });

  it('`gateway start` on a broken profile exits instead of serving, naming the key', async () => {
    // Not server.port: the helper sets PORT, which overrides the profile's port.
    const broken = join(dir, 'broken-start.yaml');
    await writeFile(broken, 'logging:\n  level: shouting\n');
    const error = await startGateway({ profile: broken, timeoutMs: 10_000 }).then(
      (started) => {
        void started.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GatewayStartError);
    expect((error as GatewayStartError).logs).toContain('logging.level');
  });
});

/** A backend's entry in /health, whether backends are a map by name or a list of `{ name }`. */
function backendEntry(health: Record<string, unknown>, name: string): unknown {
  const backends = health['backends'];
  if (Array.isArray(backends)) {
    return backends.find((b) => b && typeof b === 'object' && (b as { name?: unknown }).name === name);
  }
  if (backends && typeof backends === 'object') return (backends as Record<string, unknown>)[name];
  return undefined;
}

function isDisabled(entry: unknown): boolean {
  if (typeof entry === 'string') return /disabled/i.test(entry);
  if (!entry || typeof entry !== 'object') return false;
  const fields = entry as Record<string, unknown>;
  if (fields['enabled'] === false) return true;
  return ['status', 'state'].some(
    (key) => typeof fields[key] === 'string' && /disabled/i.test(fields[key] as string),
  );
}
