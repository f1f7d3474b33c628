import {
  type Backend,
  type CallContext,
  type ChatRequest,
  isDisabled,
  isGatewayError,
  silentLogger,
} from '@llm-gateway/spec';
import {
  type AnthropicFixtureName,
  anthropicFixture,
  collectChat,
  type Simulator,
  sseEvents,
  startAnthropicSimulator,
} from '@llm-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';

const apiKey = 'sk-ant-secret-0123456789';
const model = 'claude-sonnet-4-5';
let sim: Simulator;
let backend: Backend;

async function build(config: Record<string, unknown> = {}): Promise<Backend> {
  const parsed = plugin.configSchema.parse({ apiKey, baseURL: sim.url, models: [model], ...config });
  const created = await plugin.create(parsed, { instanceName: 'claude', log: silentLogger });
  if (isDisabled(created)) throw new Error(created.reason);
  return created;
}

beforeAll(async () => {
  sim = await startAnthropicSimulator({
    apiKey,
    models: [model],
    // A request whose user is `fixture:<name>` is answered with that recorded transcript.
    replay: (body) => {
      const user = (body.metadata as { user_id?: string } | undefined)?.user_id;
      return user?.startsWith('fixture:')
        ? anthropicFixture(user.slice(8) as AnthropicFixtureName)
        : undefined;
    },
  });
  backend = await build();
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

function call(headers?: Record<string, string>): CallContext {
  const context: CallContext = { signal: new AbortController().signal, requestId: 'r1', log: silentLogger };
  if (headers) context.headers = headers;
  return context;
}

const ask = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model,
  messages: [{ role: 'user', content: 'Hello there gateway' }],
  ...extra,
});

function sentBody(): Record<string, unknown> {
  return sim.lastRequest('/v1/messages')?.body as Record<string, unknown>;
}

async function failure(pending: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isGatewayError(error), `expected a GatewayError, got ${String(error)}`).toBe(true);
  return error as Record<string, unknown>;
}

describe('backend-anthropic against the Anthropic simulator', () => {
  it('declares its tuning parameters and native wire', () => {
    expect(backend.tuning).toEqual(['thinkingBudgetTokens', 'serviceTier']);
    expect(backend.nativeWires).toEqual(['anthropic-messages']);
  });

  it('sends every system message joined in system, the default max_tokens, sampling, stop and user', async () => {
    const result = await backend.chat(
      ask({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'system', content: 'Answer in English.' },
          { role: 'user', content: 'Hello there gateway' },
        ],
        temperature: 0.2,
        topP: 0.9,
        stop: ['END'],
        user: 'user-42',
      }),
      call({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }),
    );
    expect(sentBody()).toEqual({
      model,
      max_tokens: 4096,
      system: 'Be brief.\n\nAnswer in English.',
      messages: [{ role: 'user', content: 'Hello there gateway' }],
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
    });
    const seen = sim.lastRequest('/v1/messages');
    expect(seen?.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(seen?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result).toMatchObject({ text: 'Echo: Hello there gateway', finishReason: 'stop', model });
    expect(result.usage).toEqual({ promptTokens: 8, completionTokens: 4, totalTokens: 12 });
  });

  it('reads the docs recorded tool-use stream into text, one tool call and usage', async () => {
    const { parts, text, finish } = await collectChat(
      backend.stream(ask({ user: 'fixture:anthropic-stream-tool-use.txt' }), call()),
    );
    expect(parts[0]).toEqual({ type: 'response-metadata', id: 'msg_014p7gG3wDgGV9EUtLvnow3U' });
    expect(text).toBe("Okay, let's check the weather for San Francisco, CA:");
    const calls = parts.flatMap((p) => (p.type === 'tool-call-delta' ? [p] : []));
    expect(calls[0]).toEqual({
      type: 'tool-call-delta',
      index: 0,
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      name: 'get_weather',
    });
    expect(JSON.parse(calls.map((c) => c.arguments ?? '').join(''))).toEqual({
      location: 'San Francisco, CA',
      unit: 'fahrenheit',
    });
    expect(finish).toEqual({
      type: 'finish',
      finishReason: 'tool_calls',
      usage: { promptTokens: 472, completionTokens: 89, totalTokens: 561 },
    });
  });

  it('reads the docs recorded thinking stream: thinking as reasoning-delta parts, then the text', async () => {
    const { parts, text, finish } = await collectChat(
      backend.stream(ask({ user: 'fixture:anthropic-stream-thinking.txt' }), call()),
    );
    const reasoning = parts.flatMap((p) => (p.type === 'reasoning-delta' ? [p.text] : [])).join('');
    expect(reasoning).toBe(
      'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0\n\nSo GCD(1071, 462) = 21',
    );
    expect(text).toBe('The greatest common divisor of 1071 and 462 is **21**.');
    expect(finish?.finishReason).toBe('stop');
  });

  it('turns the docs recorded overloaded_error event mid-stream into a retryable error naming it', async () => {
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const part of backend.stream(
          ask({ user: 'fixture:anthropic-stream-overloaded.txt' }),
          call(),
        ))
          if (part.type === 'text-delta') seen.push(part.text);
      })(),
    );
    expect(seen).toEqual(['Hello']);
    expect(error).toMatchObject({ isRetryable: true, code: 'upstream_stream_error' });
    expect(String(error.message)).toContain('Overloaded');
  });

  it('sends a thinking budget as thinking.enabled above the default max_tokens and returns the reasoning', async () => {
    const request = ask({ tuning: { thinkingBudgetTokens: 2048 } });
    const result = await backend.chat(request, call());
    expect(sentBody()).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 2048 },
      max_tokens: 6144,
    });
    expect(result.reasoning).toBe('Thinking about: Hello there gateway');
    expect(result.text).toBe('Echo: Hello there gateway');
    const { parts } = await collectChat(backend.stream(request, call()));
    const reasoning = parts.flatMap((p) => (p.type === 'reasoning-delta' ? [p.text] : []));
    expect(reasoning.join('')).toBe('Thinking about: Hello there gateway');
    expect(parts.findIndex((p) => p.type === 'reasoning-delta')).toBeLessThan(
      parts.findIndex((p) => p.type === 'text-delta'),
    );
  });

  it('answers a json_schema response format through a forced tool, as text, in JSON and in a stream', async () => {
    const responseFormat: ChatRequest['responseFormat'] = {
      type: 'json_schema',
      jsonSchema: { name: 'weather', schema: { type: 'object', properties: { city: { type: 'string' } } } },
    };
    const result = await backend.chat(ask({ responseFormat }), call());
    expect(sentBody()).toMatchObject({
      tools: [
        { name: 'json_response', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      ],
      tool_choice: { type: 'tool', name: 'json_response' },
    });
    expect(JSON.parse(result.text)).toEqual({ city: 'Hello there gateway' });
    expect(result.finishReason).toBe('stop');
    expect(result.toolCalls).toBeUndefined();
    const { parts, text, finish } = await collectChat(backend.stream(ask({ responseFormat }), call()));
    expect(JSON.parse(text)).toEqual({ city: 'Hello there gateway' });
    expect(parts.some((p) => p.type === 'tool-call-delta')).toBe(false);
    expect(finish?.finishReason).toBe('stop');
  });

  it('sends an http image as a url source and a data URL as a base64 source', async () => {
    await backend.chat(
      ask({
        messages: [
          {
            role: 'user',
            content: 'What is this?',
            parts: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', url: 'https://example.com/cat.png' },
              { type: 'image', url: 'data:image/jpeg;base64,/9j/4AAQ' },
            ],
          },
        ],
      }),
      call(),
    );
    expect((sentBody().messages as Array<{ content: unknown }>)[0]?.content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
    ]);
  });

  it('surfaces a 529 as a retryable upstream error carrying the status', async () => {
    sim.inject({ status: 529 });
    const error = await failure(backend.chat(ask(), call()));
    expect(error).toMatchObject({ type: 'upstream_error', isRetryable: true, upstreamStatus: 529 });
    expect(String(error.message)).toContain('Overloaded');
  });

  it('reports refused credentials without the key anywhere in the error', async () => {
    const wrong = await build({ apiKey: 'sk-ant-wrong-key-abcdef' });
    const error = await failure(wrong.chat(ask(), call()));
    expect(error).toMatchObject({ upstreamStatus: 401, code: 'upstream_auth_failed', isRetryable: false });
    const shown = JSON.stringify({ ...error, message: error.message });
    expect(shown).not.toContain('sk-ant-wrong-key-abcdef');
    expect(shown).not.toContain(apiKey);
  });

  it('gives up with upstream_timeout after timeoutMs without response headers', async () => {
    const impatient = await build({ timeoutMs: 200 });
    sim.inject({ hang: true });
    const error = await failure(impatient.chat(ask(), call()));
    expect(error).toMatchObject({ type: 'upstream_timeout', isRetryable: true });
    await sim.waitFor((s) => s.aborted === 1);
  });

  it('refuses parameters the Messages API lacks before calling it', async () => {
    const error = await failure(backend.chat(ask({ logprobs: true }), call()));
    expect(error).toMatchObject({ status: 400, param: 'logprobs' });
    expect(sim.requests).toHaveLength(0);
  });
});

describe('backend-anthropic native path (anthropic-messages)', () => {
  const nativeBody = {
    model: 'client-asked-model',
    max_tokens: 300,
    top_k: 5,
    system: [{ type: 'text', text: 'A long shared preamble', cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there gateway' }] }],
  };
  const nativeAsk = (body: Record<string, unknown> = nativeBody): ChatRequest =>
    ask({ native: { wire: 'anthropic-messages', body } });

  it('sends the client body as it is (model routed, stream per call) and answers with the message JSON', async () => {
    const first = await backend.chat(nativeAsk(), call());
    expect(sentBody()).toEqual({ ...nativeBody, model, stream: false });
    expect(first.native?.wire).toBe('anthropic-messages');
    expect(first.native?.body).toMatchObject({
      type: 'message',
      model,
      content: [{ type: 'text', text: 'Echo: Hello there gateway' }],
      usage: { input_tokens: 3, cache_creation_input_tokens: 4, cache_read_input_tokens: 0 },
    });
    expect(first.native?.body.id).toBe(first.id);
    expect(first.text).toBe('Echo: Hello there gateway');
    // Cache writes and reads are prompt tokens the request used.
    expect(first.usage).toEqual({ promptTokens: 7, completionTokens: 4, totalTokens: 11 });
    const second = await backend.chat(nativeAsk(), call());
    expect(second.native?.body.usage).toMatchObject({
      cache_read_input_tokens: 4,
      cache_creation_input_tokens: 0,
    });
    expect(second.usage).toEqual({ promptTokens: 7, completionTokens: 4, totalTokens: 11 });
  });

  it('streams each upstream event as a native-event part before the parts derived from it', async () => {
    const body = { ...nativeBody, metadata: { user_id: 'fixture:anthropic-stream-tool-use.txt' } };
    const { parts, finish } = await collectChat(backend.stream(nativeAsk(body), call()));
    expect(sentBody()).toMatchObject({ model, stream: true, top_k: 5 });
    const recorded = sseEvents(anthropicFixture('anthropic-stream-tool-use.txt')).map((e) => e.data);
    const natives = parts.flatMap((p) => (p.type === 'native-event' ? [p] : []));
    expect(natives.map((p) => p.event)).toEqual(recorded);
    expect(natives.every((p) => p.wire === 'anthropic-messages')).toBe(true);
    // Each derived part follows the event it came from.
    for (const [at, part] of parts.entries()) {
      if (part.type === 'native-event' || part.type === 'finish') continue;
      const source = parts.slice(0, at).findLast((p) => p.type === 'native-event');
      if (part.type === 'text-delta') expect(source?.event).toMatchObject({ delta: { text: part.text } });
      if (part.type === 'tool-call-delta' && part.arguments)
        expect(source?.event).toMatchObject({ delta: { partial_json: part.arguments } });
    }
    expect(parts.at(-1)).toBe(finish);
    expect(finish).toMatchObject({
      finishReason: 'tool_calls',
      usage: { promptTokens: 472, completionTokens: 89 },
    });
  });

  it('ignores a native body of another wire and serves the normalized fields', async () => {
    await backend.chat(ask({ native: { wire: 'openai-responses', body: { input: 'x', top_k: 5 } } }), call());
    expect(sentBody()).toEqual({
      model,
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'Hello there gateway' }],
    });
  });
});
