import {
  type CallContext,
  type ChatRequest,
  type ChatStreamPart,
  GatewayError,
  silentLogger,
} from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import {
  createOpenAICompatibleBackend,
  fromOpenAICompatibleCompletion,
  mapOpenAICompatibleError,
  mapOpenAICompatibleFinishReason,
  type OpenAICompatibleBody,
  type OpenAICompatibleChunk,
  type OpenAICompatibleClient,
  openAICompatibleConfigSchema,
  retryAfterFromHeaders,
  toOpenAICompatibleBody,
} from './index.js';

const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

function context(overrides: Partial<CallContext> = {}): CallContext {
  return { signal: new AbortController().signal, requestId: 'r1', log: silentLogger, ...overrides };
}

async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const out: ChatStreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** A client that records bodies and answers from a script. */
function fakeClient(answer: (body: OpenAICompatibleBody, signal: AbortSignal) => Promise<unknown>) {
  const bodies: OpenAICompatibleBody[] = [];
  const client: OpenAICompatibleClient = {
    chat: {
      completions: {
        create: ((body: OpenAICompatibleBody, options: { signal: AbortSignal }) => {
          bodies.push(body);
          return answer(body, options.signal);
        }) as OpenAICompatibleClient['chat']['completions']['create'],
      },
    },
  };
  return { client, bodies };
}

async function* chunks(...list: OpenAICompatibleChunk[]): AsyncGenerator<OpenAICompatibleChunk> {
  for (const chunk of list) yield chunk;
}

describe('toOpenAICompatibleBody', () => {
  it('maps every normalized field to its wire name', () => {
    const body = toOpenAICompatibleBody(
      {
        model: 'gpt',
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'u', name: 'ann' },
        ],
        maxTokens: 10,
        temperature: 0.5,
        topP: 0.9,
        stop: ['x'],
        seed: 7,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        user: 'u1',
      },
      false,
    );
    expect(body).toEqual({
      model: 'gpt',
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'u', name: 'ann' },
      ],
      max_tokens: 10,
      temperature: 0.5,
      top_p: 0.9,
      stop: ['x'],
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      user: 'u1',
    });
  });

  it('asks for usage when streaming and leaves absent fields out', () => {
    expect(toOpenAICompatibleBody({ ...request, stop: [] }, true)).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('passes extra through but never lets it override what the gateway sets', () => {
    const body = toOpenAICompatibleBody(
      { ...request, maxTokens: 5, extra: { logprobs: true, model: 'other', stream: true, max_tokens: 99 } },
      false,
    );
    expect(body.logprobs).toBe(true);
    expect(body.model).toBe('m');
    expect(body.stream).toBeUndefined();
    expect(body.max_tokens).toBe(5);
  });
});

describe('mapOpenAICompatibleFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content_filter', 'content_filter'],
    ['tool_calls', 'tool_calls'],
    ['function_call', 'tool_calls'],
    ['insufficient_system_resource', 'error'],
    ['something_new', 'other'],
    [null, 'other'],
  ] as const)('%s -> %s', (wire, normalized) => {
    expect(mapOpenAICompatibleFinishReason(wire)).toBe(normalized);
  });
});

describe('fromOpenAICompatibleCompletion', () => {
  it('maps text, usage and ids', () => {
    const result = fromOpenAICompatibleCompletion(
      {
        id: 'c1',
        model: 'gpt-x',
        created: 123,
        choices: [{ message: { content: 'hello' }, finish_reason: 'length' }],
        usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      },
      'gpt',
    );
    expect(result).toEqual({
      id: 'c1',
      model: 'gpt-x',
      created: 123,
      text: 'hello',
      finishReason: 'length',
      usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 },
    });
  });

  it('fills what the upstream left out', () => {
    const result = fromOpenAICompatibleCompletion(
      { choices: [{ message: { content: null } }] },
      'gpt',
      5_000,
    );
    expect(result.model).toBe('gpt');
    expect(result.text).toBe('');
    expect(result.created).toBe(5);
    expect(result.id).toMatch(/^chatcmpl-/);
    expect(result.usage).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
  });
});

describe('mapOpenAICompatibleError', () => {
  class APIError extends Error {
    constructor(
      readonly status: number | undefined,
      readonly error: unknown,
      message: string,
      readonly headers: Headers | undefined,
    ) {
      super(message);
    }
  }
  class APIUserAbortError extends APIError {}
  class APIConnectionError extends APIError {}
  class APIConnectionTimeoutError extends APIConnectionError {}

  it('maps an HTTP status with its Retry-After', () => {
    const error = mapOpenAICompatibleError(
      'openai',
      new APIError(429, { message: 'slow down' }, '429 slow down', new Headers({ 'retry-after': '3' })),
    );
    expect(error).toMatchObject({
      type: 'rate_limited',
      upstreamStatus: 429,
      retryAfterMs: 3000,
      isRetryable: true,
    });
    expect(error.message).toContain('slow down');
  });

  it('prefers retry-after-ms', () => {
    expect(retryAfterFromHeaders(new Headers({ 'retry-after-ms': '250', 'retry-after': '3' }))).toBe(250);
    expect(retryAfterFromHeaders({ 'Retry-After': '1' })).toBe(1000);
    expect(retryAfterFromHeaders(undefined)).toBeUndefined();
  });

  it.each([
    [500, 'upstream_error', true],
    [503, 'upstream_error', true],
    [404, 'not_found', false],
    [401, 'upstream_error', false],
    [400, 'invalid_request', false],
  ] as const)('status %i -> %s', (status, type, retryable) => {
    const error = mapOpenAICompatibleError('x', new APIError(status, undefined, 'm', new Headers()));
    expect(error.type).toBe(type);
    expect(error.isRetryable).toBe(retryable);
  });

  it('maps connection failures, timeouts and aborts by class shape', () => {
    expect(
      mapOpenAICompatibleError('x', new APIConnectionError(undefined, undefined, 'c', undefined)),
    ).toMatchObject({
      type: 'upstream_error',
      code: 'upstream_unreachable',
      isRetryable: true,
    });
    expect(
      mapOpenAICompatibleError('x', new APIConnectionTimeoutError(undefined, undefined, 't', undefined)).type,
    ).toBe('upstream_timeout');
    expect(
      mapOpenAICompatibleError('x', new APIUserAbortError(undefined, undefined, 'a', undefined)).type,
    ).toBe('cancelled');
  });

  it('maps an error event inside a stream', () => {
    const error = mapOpenAICompatibleError(
      'x',
      new APIError(undefined, { message: 'overloaded' }, 'o', undefined),
    );
    expect(error).toMatchObject({ type: 'upstream_error', code: 'upstream_stream_error' });
    expect(error.message).toContain('overloaded');
  });

  it('maps a dropped socket and malformed JSON', () => {
    expect(mapOpenAICompatibleError('x', new TypeError('terminated')).code).toBe('upstream_unreachable');
    expect(mapOpenAICompatibleError('x', new SyntaxError('Unexpected token')).code).toBe(
      'upstream_bad_response',
    );
  });

  it("maps the gateway's own runtime errors to a 500 that is not the upstream's (issue 19)", () => {
    // What the SDK's JSON.stringify throws on a 10,000-deep body, before any byte is sent.
    for (const error of [
      new RangeError('Maximum call stack size exceeded'),
      new TypeError('x is not a function'),
    ]) {
      const mapped = mapOpenAICompatibleError('x', error);
      expect(mapped).toMatchObject({
        type: 'internal',
        status: 500,
        code: 'gateway_error',
        isRetryable: false,
      });
      expect(mapped.cause).toBe(error);
    }
  });
});

describe('openAICompatibleConfigSchema', () => {
  const schema = openAICompatibleConfigSchema(['a', 'b']);

  it('treats blank interpolations as absent and coerces numbers', () => {
    expect(schema.parse({ apiKey: '', baseURL: '', models: '', timeoutMs: '' })).toEqual({
      models: ['a', 'b'],
    });
    expect(schema.parse({ apiKey: 'k', timeoutMs: '1500', models: 'x, y' })).toEqual({
      apiKey: 'k',
      timeoutMs: 1500,
      models: ['x', 'y'],
    });
  });

  it('rejects a timeout that is not a positive number', () => {
    expect(schema.safeParse({ timeoutMs: 'soon' }).success).toBe(false);
    expect(schema.safeParse({ timeoutMs: 0 }).success).toBe(false);
  });
});

describe('createOpenAICompatibleBackend', () => {
  it('chats and lists its models', async () => {
    const { client, bodies } = fakeClient(async () => ({
      id: 'c',
      model: 'm',
      created: 1,
      choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    }));
    const backend = createOpenAICompatibleBackend({ name: 'b', client, models: ['m', 'n'] });
    expect(await backend.models()).toEqual(['m', 'n']);
    const result = await backend.chat(request, context());
    expect(result.text).toBe('ok');
    expect(bodies[0]?.stream).toBeUndefined();
  });

  it('streams deltas and takes usage from the final chunk', async () => {
    const { client, bodies } = fakeClient(async () =>
      chunks(
        { choices: [{ delta: { content: 'he' } }] },
        { choices: [{ delta: { content: 'llo' } }] },
        { choices: [{ delta: {}, finish_reason: 'stop' }] },
        { choices: [], usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } },
      ),
    );
    const backend = createOpenAICompatibleBackend({ name: 'b', client, models: [] });
    expect(await collect(backend.stream(request, context()))).toEqual([
      { type: 'text-delta', text: 'he' },
      { type: 'text-delta', text: 'llo' },
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { promptTokens: 2, completionTokens: 2, totalTokens: 4 },
      },
    ]);
    expect(bodies[0]?.stream_options).toEqual({ include_usage: true });
  });

  it("reads Groq's x_groq.usage on the finish chunk", async () => {
    const { client } = fakeClient(async () =>
      chunks(
        { choices: [{ delta: { content: 'x' } }] },
        {
          choices: [{ delta: {}, finish_reason: 'length' }],
          x_groq: { usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } },
        },
      ),
    );
    const parts = await collect(
      createOpenAICompatibleBackend({ name: 'b', client, models: [] }).stream(request, context()),
    );
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'length',
      usage: { promptTokens: 5, completionTokens: 1, totalTokens: 6 },
    });
  });

  it('fails a stream that ends before a finish reason', async () => {
    const { client } = fakeClient(async () => chunks({ choices: [{ delta: { content: 'x' } }] }));
    const backend = createOpenAICompatibleBackend({ name: 'b', client, models: [] });
    const error = await rejection(collect(backend.stream(request, context())));
    expect(error).toMatchObject({ type: 'upstream_error', code: 'upstream_stream_truncated' });
  });

  it('maps errors thrown mid-stream', async () => {
    const { client } = fakeClient(async () =>
      (async function* () {
        yield { choices: [{ delta: { content: 'x' } }] };
        throw new TypeError('terminated');
      })(),
    );
    const backend = createOpenAICompatibleBackend({ name: 'b', client, models: [] });
    expect((await rejection(collect(backend.stream(request, context())))).code).toBe('upstream_unreachable');
  });

  it('reports a cancelled call when the caller aborts, even if the SDK ends quietly', async () => {
    const caller = new AbortController();
    const { client } = fakeClient(async (_body, signal) =>
      (async function* () {
        yield { choices: [{ delta: { content: 'x' } }] };
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      })(),
    );
    const backend = createOpenAICompatibleBackend({ name: 'b', client, models: [] });
    const parts = backend.stream(request, context({ signal: caller.signal }))[Symbol.asyncIterator]();
    expect(await parts.next()).toEqual({ done: false, value: { type: 'text-delta', text: 'x' } });
    const next = parts.next();
    caller.abort();
    expect((await rejection(next)).type).toBe('cancelled');
  });

  it('reports a timeout when the caller aborts with a TimeoutError reason', async () => {
    const caller = new AbortController();
    const { client } = fakeClient(
      (_body, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        ),
    );
    const backend = createOpenAICompatibleBackend({ name: 'b', client, models: [] });
    const pending = backend.chat(request, context({ signal: caller.signal }));
    caller.abort(new DOMException('too slow', 'TimeoutError'));
    expect((await rejection(pending)).type).toBe('upstream_timeout');
  });

  it('aborts the upstream request when the consumer stops reading', async () => {
    let upstreamSignal: AbortSignal | undefined;
    const { client } = fakeClient(async (_body, signal) => {
      upstreamSignal = signal;
      return chunks({ choices: [{ delta: { content: 'a' } }] }, { choices: [{ delta: { content: 'b' } }] });
    });
    const backend = createOpenAICompatibleBackend({ name: 'b', client, models: [] });
    for await (const _part of backend.stream(request, context())) break;
    expect(upstreamSignal?.aborted).toBe(true);
  });

  it('gives up with a timeout when the deadline passes', async () => {
    const { client } = fakeClient(
      (_body, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        ),
    );
    const backend = createOpenAICompatibleBackend({ name: 'b', client, models: [] });
    const error = await rejection(backend.chat(request, context({ deadline: Date.now() + 20 })));
    expect(error).toMatchObject({ type: 'upstream_timeout', backend: 'b', isRetryable: true });
  });

  it('lets a provider map its own errors first', async () => {
    const { client } = fakeClient(async () => {
      throw Object.assign(new Error('pay up'), { status: 402 });
    });
    const special = new GatewayError('upstream_error', 'balance', { code: 'upstream_insufficient_balance' });
    const backend = createOpenAICompatibleBackend({
      name: 'b',
      client,
      models: [],
      mapError: (error) => ((error as { status?: number }).status === 402 ? special : undefined),
    });
    expect(await rejection(backend.chat(request, context()))).toBe(special);
  });
});
