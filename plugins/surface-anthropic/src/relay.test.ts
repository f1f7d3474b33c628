/**
 * The same-wire relay through a real core pipeline: a backend that speaks the Messages API hands on the
 * Anthropic simulator's bytes (`ChatResult.relay`, `relay-bytes` parts), and the client gets exactly those.
 */
import type { AddressInfo } from 'node:net';
import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { createPipeline } from '@llm-gateway/core';
import { SseEventSplitter } from '@llm-gateway/plugin-kit';
import {
  type Backend,
  type CallMeta,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  GatewayError,
  isDisabled,
  type Pipeline,
  type RequestContext,
  silentLogger,
} from '@llm-gateway/spec';
import {
  type AnthropicFixtureName,
  anthropicFixture,
  createTestSurfaceHost,
  type Simulator,
  startAnthropicSimulator,
  type TestSurfaceHost,
} from '@llm-gateway/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';
import { MessagesStreamEncoder } from './messages-stream.js';

const model = 'claude-sonnet-4-5';
const upstreamKey = 'sk-ant-upstream-0123456789';

let sim: Simulator;
let app: FastifyInstance;
let test: TestSurfaceHost;
let url: string;
let client: Anthropic;
/** The body bytes of the upstream's last answer, as the backend read them. */
let upstream: Uint8Array[] = [];
/** What the backend was asked. */
let asked: ChatRequest[] = [];

const concat = (chunks: Uint8Array[]) => Buffer.concat(chunks.map((chunk) => Buffer.from(chunk)));

async function upstreamCall(request: ChatRequest, stream: boolean, signal: AbortSignal): Promise<Response> {
  const body = { ...(request.native?.body ?? {}), model: request.model, stream };
  const response = await fetch(`${sim.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': upstreamKey,
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok || !response.body) throw new GatewayError('upstream_error', `HTTP ${response.status}`);
  return response;
}

/** A backend of the Messages wire, as backend-anthropic behaves on the relay path, reduced to what the test needs. */
const messagesBackend: Backend = {
  name: 'claude',
  nativeWires: ['anthropic-messages'],
  relayWires: ['anthropic-messages'],
  async models() {
    return [model];
  },
  async chat(request, call): Promise<ChatResult> {
    asked.push(request);
    const response = await upstreamCall(request, false, call.signal);
    const body = new Uint8Array(await response.arrayBuffer());
    upstream = [body];
    const message = JSON.parse(Buffer.from(body).toString()) as Anthropic.Message;
    const result: ChatResult = {
      id: message.id,
      model: message.model,
      text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
      finishReason: 'stop',
      usage: {
        promptTokens: message.usage.input_tokens,
        completionTokens: message.usage.output_tokens,
        totalTokens: message.usage.input_tokens + message.usage.output_tokens,
      },
      created: 0,
    };
    if (request.relay) result.relay = { wire: 'anthropic-messages', body };
    return result;
  },
  async *stream(request, call): AsyncGenerator<ChatStreamPart> {
    asked.push(request);
    const response = await upstreamCall(request, true, call.signal);
    upstream = [];
    const splitter = new SseEventSplitter();
    let text = '';
    let outputTokens = 0;
    let inputTokens = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      upstream.push(chunk);
      const events = splitter.push(chunk);
      const failedAt = events.findIndex((event) => event.event === 'error');
      const good = failedAt === -1 ? events : events.slice(0, failedAt);
      if (request.relay && good.length > 0)
        yield { type: 'relay-bytes', wire: 'anthropic-messages', bytes: good.map((e) => e.raw).join('') };
      if (failedAt !== -1)
        throw new GatewayError('upstream_error', 'claude upstream error: Overloaded', {
          code: 'upstream_stream_error',
          isRetryable: true,
        });
      for (const event of good) {
        const data = JSON.parse(event.data) as {
          message?: { usage: { input_tokens: number } };
          usage?: { output_tokens: number };
          delta?: { type: string; text: string };
        };
        if (data.message) inputTokens = data.message.usage.input_tokens;
        if (event.event === 'message_delta' && data.usage) outputTokens = data.usage.output_tokens;
        if (event.event === 'content_block_delta' && data.delta?.type === 'text_delta') {
          text += data.delta.text;
          // The normalized parts a relaying backend gives when they are asked for; the surface ignores them.
          yield { type: 'text-delta', text: data.delta.text };
        }
      }
    }
    expect(text).not.toBe('');
    yield {
      type: 'finish',
      finishReason: 'stop',
      usage: {
        promptTokens: inputTokens,
        completionTokens: outputTokens,
        totalTokens: inputTokens + outputTokens,
      },
    };
  },
};

interface Mounted {
  app: FastifyInstance;
  test: TestSurfaceHost;
  url: string;
  pipeline: Pipeline & { close(): Promise<void> };
}

async function mount(relay: boolean): Promise<Mounted> {
  const pipeline = createPipeline({
    backends: new Map<string, Backend>([['claude', messagesBackend]]),
    routing: { defaultModel: model, models: { [model]: 'claude', sonnet: { backend: 'claude', model } } },
    log: silentLogger,
    timeoutMs: 10_000,
    relay,
  });
  const host = createTestSurfaceHost({ pipeline, authSchemes: [], instanceName: 'anthropic' });
  const surface = await plugin.create(plugin.configSchema.parse({ exposeBackendHeader: true }), host.host);
  if (isDisabled(surface)) throw new Error(surface.reason);
  const server = Fastify();
  server.addHook('onResponse', async (request, reply) => {
    const context = host.contextOf(request);
    if (context) host.finished.push({ context, status: reply.statusCode });
  });
  await server.register(async (scope) => surface.register(scope));
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return { app: server, test: host, url: address, pipeline };
}

let mounted: Mounted;

beforeAll(async () => {
  sim = await startAnthropicSimulator({
    apiKey: upstreamKey,
    models: [model],
    replay: (body) => {
      const user = (body.metadata as { user_id?: string } | undefined)?.user_id ?? '';
      return user.startsWith('fixture:')
        ? anthropicFixture(user.slice(8) as AnthropicFixtureName)
        : undefined;
    },
  });
  mounted = await mount(true);
  ({ app, test, url } = mounted);
  client = new Anthropic({ apiKey: 'unused', baseURL: url, maxRetries: 0 });
});
afterEach(() => {
  sim.reset();
  upstream = [];
  asked = [];
});
afterAll(async () => {
  await app.close();
  await mounted.pipeline.close();
  await sim.close();
});

const params = {
  model,
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: 'Hello through the relay' }],
};

async function post(body: Record<string, unknown>, base = url): Promise<Response> {
  return fetch(`${base}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
}

describe('same-wire relay through the Messages surface', () => {
  it('asks for the relay on /v1/messages, not on count_tokens', async () => {
    await client.messages.create(params);
    expect(asked[0]?.relay).toEqual({ wire: 'anthropic-messages' });
    const captured: ChatRequest[] = [];
    const spy = createTestSurfaceHost({
      pipeline: {
        ...mounted.pipeline,
        async countTokens(request: ChatRequest, _context: RequestContext) {
          captured.push(request);
          return 5;
        },
      } as Pipeline,
      authSchemes: [],
      instanceName: 'anthropic',
    });
    const surface = await plugin.create(plugin.configSchema.parse({}), spy.host);
    if (isDisabled(surface)) throw new Error(surface.reason);
    const counting = Fastify();
    await counting.register(async (scope) => surface.register(scope));
    const counted = await counting.inject({
      method: 'POST',
      url: '/v1/messages/count_tokens',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      payload: { model, messages: params.messages },
    });
    await counting.close();
    expect(counted.json()).toEqual({ input_tokens: 5 });
    expect(captured[0]?.relay).toBeUndefined();
  });

  it("JSON: the client receives the upstream's body byte for byte, with the gateway's headers", async () => {
    const response = await post(params);
    const received = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(200);
    expect(received.equals(concat(upstream))).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('x-gateway-backend')).toBe('claude');
    expect(response.headers.get('x-gateway-model')).toBe(model);
    // The upstream's own id and model, as it sent them.
    const message = JSON.parse(received.toString()) as Anthropic.Message;
    expect(message.id).toMatch(/^msg_01/);
    expect(message.model).toBe(model);
    expect(test.finished.at(-1)?.context.annotations.usage).toMatchObject({
      promptTokens: message.usage.input_tokens,
      completionTokens: message.usage.output_tokens,
    });
    // The official SDK reads it as usual.
    const data = await client.messages.create(params);
    expect(data).toEqual(JSON.parse(concat(upstream).toString()));
    expect(data.content).toEqual([{ type: 'text', text: 'Echo: Hello through the relay' }]);
  });

  it("SSE: the client receives the upstream's events byte for byte, and the SDK assembles the message", async () => {
    const response = await post({ ...params, stream: true });
    const received = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(received.toString()).toContain('event: ping');
    expect(received.equals(concat(upstream))).toBe(true);
    expect(test.finished.at(-1)?.context.annotations.usage?.completionTokens).toBeGreaterThan(0);

    const message = await client.messages.stream(params).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: Hello through the relay' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.model).toBe(model);
    const recorded = concat(upstream).toString();
    expect(recorded).toContain(`"id":"${message.id}"`);
  });

  it('SSE: a recorded stream (tool use) reaches the SDK unchanged', async () => {
    const stream = await client.messages.create({
      ...params,
      stream: true,
      metadata: { user_id: 'fixture:anthropic-stream-tool-use.txt' },
    });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const expected = concat(upstream)
      .toString()
      .split('\n\n')
      .filter((event) => event.trim() !== '' && !event.includes('event: ping'))
      .map((event) => JSON.parse(event.slice(event.indexOf('data: ') + 6)) as unknown);
    expect(events).toEqual(expected);
  });

  it('SSE: an upstream error after bytes went out ends the stream with an error event in Anthropic shape', async () => {
    const response = await post({
      ...params,
      stream: true,
      metadata: { user_id: 'fixture:anthropic-stream-overloaded.txt' },
    });
    const received = (await response.text()).split('event: error\n');
    const sent = concat(upstream).toString();
    expect(received[0]).toBe(sent.slice(0, sent.indexOf('event: error')));
    expect(received).toHaveLength(2);
    expect(JSON.parse(received[1]!.replace(/^data: /, ''))).toMatchObject({
      type: 'error',
      error: { type: 'api_error', message: 'claude upstream error: Overloaded' },
    });

    const failing = await client.messages.create({
      ...params,
      stream: true,
      metadata: { user_id: 'fixture:anthropic-stream-overloaded.txt' },
    });
    const failure = await (async () => {
      for await (const _ of failing);
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as APIError).error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it("translates when the client named an alias (the answer's model needs rewriting)", async () => {
    const message = await client.messages.create({ ...params, model: 'sonnet' });
    expect(asked[0]?.relay).toBeUndefined();
    expect(message.model).toBe('sonnet');
    const stream = await post({ ...params, model: 'sonnet', stream: true });
    const text = await stream.text();
    expect(text).toContain('"model":"sonnet"');
    expect(Buffer.from(text).equals(concat(upstream))).toBe(false);
  });

  it('translates when the profile turns relaying off (server.relay: false)', async () => {
    const off = await mount(false);
    try {
      const response = await post(params, off.url);
      const message = (await response.json()) as Anthropic.Message;
      expect(asked[0]?.relay).toBeUndefined();
      expect(message.content).toEqual([{ type: 'text', text: 'Echo: Hello through the relay' }]);
      expect(Buffer.from(JSON.stringify(message)).equals(concat(upstream))).toBe(false);
    } finally {
      await off.app.close();
      await off.pipeline.close();
    }
  });
});

describe('MessagesStreamEncoder and relay-bytes', () => {
  const meta: CallMeta = {
    requestedModel: model,
    backend: 'claude',
    model,
    cached: false,
    retries: 0,
    fallback: false,
  };
  const bytes: ChatStreamPart = { type: 'relay-bytes', wire: 'anthropic-messages', bytes: 'event: ping\n\n' };

  it('relays from the first relay-bytes part on, then encodes nothing, the end included', () => {
    const encoder = new MessagesStreamEncoder(meta);
    expect(encoder.part({ type: 'response-metadata', id: 'msg_1' })).toEqual([]);
    expect(encoder.relays(bytes as Extract<ChatStreamPart, { type: 'relay-bytes' }>)).toBe(true);
    expect(encoder.part({ type: 'text-delta', text: 'Hi' })).toEqual([]);
    expect(encoder.part({ type: 'finish', finishReason: 'stop' })).toEqual([]);
    expect(encoder.end(undefined)).toEqual([]);
  });

  it('ignores relay-bytes once it translates (a fallback whose parts came first), and of another wire', () => {
    const encoder = new MessagesStreamEncoder(meta);
    expect(encoder.part({ type: 'text-delta', text: 'Hi' }).length).toBeGreaterThan(0);
    expect(encoder.relays(bytes as Extract<ChatStreamPart, { type: 'relay-bytes' }>)).toBe(false);
    const other = new MessagesStreamEncoder(meta);
    expect(other.relays({ type: 'relay-bytes', wire: 'openai-chat', bytes: 'data: {}\n\n' })).toBe(false);
    expect(other.part({ type: 'text-delta', text: 'Hi' }).length).toBeGreaterThan(0);
  });
});
