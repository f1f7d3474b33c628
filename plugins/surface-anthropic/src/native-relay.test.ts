import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import {
  type CallMeta,
  type ChatRequest,
  type ChatStreamPart,
  GatewayError,
  type Pipeline,
  type RequestContext,
} from '@llm-gateway/spec';
import { mountSurface, type SurfaceApp, type TestSurfaceHost } from '@llm-gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import plugin from './index.js';

/** A real Anthropic stream (thinking, then a tool call), as backend-anthropic hands it on in `native-event` parts. */
const recorded = JSON.parse(
  readFileSync(new URL('./__fixtures__/anthropic-tool-stream.events.json', import.meta.url), 'utf8'),
) as Array<Record<string, unknown>>;

const nativeBody = {
  id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'Bonjour', citations: null }],
  stop_reason: 'stop_sequence',
  stop_sequence: '###',
  usage: { input_tokens: 12, output_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
};

const meta: CallMeta = {
  requestedModel: 'claude-sonnet',
  backend: 'anthropic',
  model: 'claude-sonnet-4-5-20250929',
  cached: false,
  retries: 0,
  fallback: false,
};
const usage = { promptTokens: 849, completionTokens: 47, totalTokens: 896 };

interface Script {
  calls: Array<{ request: ChatRequest; context: RequestContext }>;
  native: boolean;
  failStreamAfter?: number;
  dropped?: ChatRequest['tuning'];
  fail?: GatewayError;
}

const script: Script = { calls: [], native: true };

/** Parts as a backend of the same wire gives them: each native event, then the normalized parts derived from it. */
async function* streamParts(): AsyncGenerator<ChatStreamPart> {
  let sent = 0;
  for (const event of recorded) {
    if (script.failStreamAfter !== undefined && sent === script.failStreamAfter) {
      throw new GatewayError('upstream_error', 'anthropic upstream error (529): Overloaded', { code: 'x' });
    }
    if (script.native) yield { type: 'native-event', wire: 'anthropic-messages', event };
    sent += 1;
    const delta = event.delta as Record<string, string> | undefined;
    if (delta?.type === 'thinking_delta') yield { type: 'reasoning-delta', text: delta.thinking! };
    if (event.type === 'content_block_start' && (event.content_block as { type: string }).type === 'tool_use')
      yield { type: 'tool-call-delta', index: 0, id: 'toolu_01KFbKqPYSuAKujiL6mTfzYA', name: 'get_weather' };
    if (delta?.type === 'input_json_delta')
      yield { type: 'tool-call-delta', index: 0, arguments: delta.partial_json! };
  }
  yield { type: 'finish', finishReason: 'tool_calls', usage };
}

const pipeline: Pipeline = {
  defaultModel: 'claude-sonnet',
  async chat(request, context) {
    script.calls.push({ request, context });
    if (script.fail) throw script.fail;
    if (script.dropped) context.annotations.droppedTuning = ['thinkingBudgetTokens', 'serviceTier'];
    const result = {
      id: nativeBody.id,
      model: nativeBody.model,
      created: 0,
      text: 'Bonjour',
      finishReason: 'stop' as const,
      stopSequence: '###',
      usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 },
      ...(script.native ? { native: { wire: 'anthropic-messages' as const, body: nativeBody } } : {}),
    };
    return { result, meta };
  },
  async stream(request, context) {
    script.calls.push({ request, context });
    if (script.fail) throw script.fail;
    return { meta, parts: streamParts() };
  },
  async models() {
    return [];
  },
};

let app: SurfaceApp;
let test: TestSurfaceHost;
let client: Anthropic;

beforeAll(async () => {
  ({ app, test } = await mountSurface(plugin, {}, { pipeline, authSchemes: [], instanceName: 'anthropic' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  client = new Anthropic({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
});
afterAll(() => app.close());
beforeEach(() => {
  script.calls = [];
  script.native = true;
  script.failStreamAfter = undefined;
  script.dropped = undefined;
  script.fail = undefined;
});

const params = {
  model: 'claude-sonnet',
  max_tokens: 2048,
  messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
};

describe('native relay: a backend that answered in the Messages API itself', () => {
  it('always hands the client body on as ChatRequest.native, beside the normalized fields', async () => {
    await client.messages.create({ ...params, thinking: { type: 'enabled', budget_tokens: 1024 } });
    const { request } = script.calls[0]!;
    expect(request.native).toEqual({
      wire: 'anthropic-messages',
      body: { ...params, thinking: { type: 'enabled', budget_tokens: 1024 } },
    });
    expect(request.tuning).toEqual({ thinkingBudgetTokens: 1024 });
    expect(request.messages).toEqual([{ role: 'user', content: 'Weather in Paris?' }]);
  });

  it("answers the backend's own body, with the gateway's model and the upstream msg_ id", async () => {
    const message = await client.messages.create(params);
    expect(message).toEqual({ ...nativeBody, model: 'claude-sonnet' });
  });

  it('translates the normalized answer when the backend gave none, stop_sequence included', async () => {
    script.native = false;
    const message = await client.messages.create(params);
    expect(message).toMatchObject({
      model: 'claude-sonnet',
      content: [{ type: 'text', text: 'Bonjour' }],
      stop_reason: 'stop_sequence',
      stop_sequence: '###',
      usage: { input_tokens: 12, output_tokens: 3 },
    });
  });

  it('relays native events verbatim (thinking signature, ping, tool input) and ignores the normalized parts', async () => {
    const stream = await client.messages.create({ ...params, stream: true });
    const events = [];
    for await (const event of stream) events.push(event);
    // The SDK drops `ping`; everything else arrives as the upstream sent it.
    const expected = recorded.filter((event) => event.type !== 'ping');
    expect(events.slice(1)).toEqual(expected.slice(1));
    const start = events[0] as Anthropic.RawMessageStartEvent;
    const upstreamStart = recorded[0]!.message as Record<string, unknown>;
    expect(start.message).toEqual({ ...upstreamStart, model: 'claude-sonnet' });
  });

  it('streams the normalized parts as Anthropic events when the backend relays none', async () => {
    script.native = false;
    const message = await client.messages.stream(params).finalMessage();
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'The user wants the weather.', signature: '' },
      {
        type: 'tool_use',
        id: 'toolu_01KFbKqPYSuAKujiL6mTfzYA',
        name: 'get_weather',
        input: { city: 'Paris' },
      },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 849, output_tokens: 47 });
  });

  it('ends a stream that fails after it started with an error event in Anthropic shape', async () => {
    script.failStreamAfter = 3;
    const stream = await client.messages.create({ ...params, stream: true });
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((error: unknown) => error);
    expect(seen[0]).toBe('message_start');
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as APIError).error).toMatchObject({
      type: 'error',
      error: { type: 'api_error', message: 'anthropic upstream error (529): Overloaded' },
    });
    expect(test.finished.at(-1)?.context.annotations.errorType).toBe('upstream_error');
  });
});

describe('headers and errors', () => {
  it("reports dropped tuning in Anthropic's field names", async () => {
    script.dropped = { thinkingBudgetTokens: 1024 };
    const { response } = await client.messages.create(params).withResponse();
    expect(response.headers.get('x-gateway-dropped-params')).toBe('thinking, service_tier');
  });

  it('answers 529 overloaded_error when the concurrency queue is full or a circuit is open', async () => {
    for (const code of ['concurrency_limit', 'circuit_open']) {
      script.fail = new GatewayError('unavailable', 'Server is at capacity', { code, retryAfterMs: 1000 });
      const failure = await client.messages.create(params).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Anthropic.InternalServerError);
      expect((failure as APIError).status).toBe(529);
      expect((failure as APIError).type).toBe('overloaded_error');
      expect((failure as APIError).headers?.get('retry-after')).toBe('1');
    }
  });

  it('answers 429 rate_limit_error as RateLimitError', async () => {
    script.fail = new GatewayError('rate_limited', 'Rate limit exceeded', { retryAfterMs: 2000 });
    const failure = await client.messages.create(params).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.RateLimitError);
    expect((failure as APIError).type).toBe('rate_limit_error');
  });

  it('answers an oversized body with 413 request_too_large', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ ...params, messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
  });

  it('keeps the Anthropic routes of GET /v1/models out of /openapi.json and documents /v1/messages', () => {
    const paths = (app.swagger() as { paths: Record<string, unknown> }).paths;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/v1/messages', '/v1/messages/count_tokens']));
    expect(paths['/v1/models']).toBeUndefined();
  });
});
