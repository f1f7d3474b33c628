import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './__fixtures__/gateway.js';

let gateway: TestGateway;
let translating: TestGateway;

beforeAll(async () => {
  gateway = await startGateway({ bodyLimit: 64 * 1024 });
  translating = await startGateway({ relay: false });
});
afterEach(() => gateway.sim.reset());
afterAll(async () => {
  await gateway.close();
  await translating.close();
});

const messages = [
  { role: 'system', content: 'You are terse' },
  { role: 'user', content: 'Say hello' },
];

function post(
  payload: unknown,
  headers: Record<string, string> = {},
  url = '/v1/chat/completions',
  target = gateway,
) {
  return target.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

/** The token counts the simulator reported for its last answer. */
function upstreamUsage(target = gateway) {
  const reply = target.sim.lastRequest('/chat/completions')?.reply;
  return {
    prompt_tokens: reply?.promptTokens,
    completion_tokens: reply?.completionTokens,
    total_tokens: reply?.totalTokens,
  };
}

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function expectOpenAIError(
  response: { statusCode: number; json(): unknown },
  status: number,
  expected: Partial<ErrorBody['error']>,
) {
  expect(response.statusCode).toBe(status);
  const body = response.json() as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error).toMatchObject(expected);
  return body.error;
}

describe('POST /v1/chat/completions', () => {
  /** Posts the same request to `target` and checks what both paths share: status, headers, the upstream call. */
  async function answered(target: TestGateway) {
    const response = await post(
      { model: 'gpt-4o', messages, temperature: 0.3, max_tokens: 50 },
      {},
      undefined,
      target,
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['x-gateway-backend']).toBe('openai');
    expect(response.headers['x-gateway-model']).toBe('gpt-4o');
    expect(response.headers['x-request-id']).toBe(target.contexts.at(-1)?.requestId);
    const upstream = target.sim.lastRequest('/chat/completions');
    expect(upstream?.body).toMatchObject({ model: 'gpt-4o', temperature: 0.3, max_tokens: 50, messages });
    expect(target.contexts.at(-1)).toMatchObject({
      surface: 'openai',
      endpoint: 'chat.completions',
      principal: { kind: 'anonymous' },
    });
    return response.json();
  }

  it("relays the upstream's answer with from_cache added and the gateway headers", async () => {
    const body = await answered(gateway);
    // Everything the upstream sent, fields the gateway does not model included, plus usage.from_cache.
    expect(body).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gpt-4o',
      service_tier: 'default',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Echo: Say hello', refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { ...upstreamUsage(), from_cache: false, prompt_tokens_details: { cached_tokens: 0 } },
      system_fingerprint: 'fp_sim0000001',
    });
  });

  it('translated (server.relay false): answers in the OpenAI shape with from_cache and gateway headers', async () => {
    expect(await answered(translating)).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Echo: Say hello' },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { ...upstreamUsage(translating), from_cache: false },
      // The upstream's, kept (it used to become null).
      system_fingerprint: 'fp_sim0000001',
    });
  });

  it("uses the profile's default model, maps developer to system and joins text parts", async () => {
    const response = await post({
      messages: [
        { role: 'developer', content: 'Be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hello ' },
            { type: 'text', text: 'there' },
          ],
        },
      ],
      stop: 'END',
      max_completion_tokens: 20,
      max_tokens: 99,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      model: 'gpt-4o-mini',
      choices: [{ message: { content: 'Echo: Hello there' } }],
    });
    expect(gateway.sim.lastRequest('/chat/completions')?.body).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Hello there' },
      ],
      stop: ['END'],
      max_tokens: 20,
    });
  });

  it('can hide the backend headers', async () => {
    const hidden = await startGateway({ exposeBackendHeader: false });
    try {
      const response = await hidden.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: { messages },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-gateway-backend']).toBeUndefined();
      expect(response.headers['x-gateway-model']).toBeUndefined();
      expect(response.headers['x-request-id']).toBeDefined();
    } finally {
      await hidden.close();
    }
  });
});

describe('bad input gets an OpenAI error, never a 500', () => {
  it('malformed JSON → 400 invalid_json', async () => {
    expectOpenAIError(await post('{"messages": [}'), 400, {
      type: 'invalid_request_error',
      code: 'invalid_json',
    });
  });

  it('empty body with a JSON content type → 400', async () => {
    expectOpenAIError(await post(''), 400, { type: 'invalid_request_error', code: 'invalid_json' });
  });

  it('no body and no content type → 400', async () => {
    const response = await gateway.app.inject({ method: 'POST', url: '/v1/chat/completions' });
    expectOpenAIError(response, 400, { type: 'invalid_request_error' });
  });

  it('a body that is not an object → 400', async () => {
    expectOpenAIError(await post('[1,2]'), 400, { type: 'invalid_request_error', code: 'invalid_type' });
    expectOpenAIError(await post('"hi"'), 400, { type: 'invalid_request_error' });
  });

  it('missing messages → 400 with param messages', async () => {
    const error = expectOpenAIError(await post({ model: 'gpt-4o' }), 400, {
      type: 'invalid_request_error',
      param: 'messages',
      code: 'missing_required_parameter',
    });
    expect(error.message).toBe("Missing required parameter: 'messages'.");
  });

  it('empty messages → 400', async () => {
    expectOpenAIError(await post({ messages: [] }), 400, {
      param: 'messages',
      type: 'invalid_request_error',
    });
  });

  it('wrong types name the offending field', async () => {
    expectOpenAIError(await post({ messages: 'hello' }), 400, { type: 'invalid_request_error' });
    expectOpenAIError(await post({ messages: [{ role: 'user', content: 42 }], max_tokens: 'many' }), 400, {
      param: 'max_tokens',
      code: 'invalid_type',
    });
    expectOpenAIError(await post({ messages, stream: { yes: true } }), 400, {
      param: 'stream',
      code: 'invalid_type',
    });
    expectOpenAIError(await post({ messages: [{ role: 'robot', content: 'hi' }] }), 400, {
      param: 'messages[0].role',
      code: 'invalid_value',
    });
    expectOpenAIError(await post({ messages: [{ content: 'hi' }] }), 400, {
      param: 'messages[0].role',
      code: 'missing_required_parameter',
    });
    expectOpenAIError(await post({ messages: [{ role: 'user' }] }), 400, {
      param: 'messages[0].content',
      code: 'missing_required_parameter',
    });
  });

  it('temperature 5 → 400 with param temperature', async () => {
    const error = expectOpenAIError(await post({ messages, temperature: 5 }), 400, {
      type: 'invalid_request_error',
      param: 'temperature',
    });
    expect(error.message).toContain('2');
    expectOpenAIError(await post({ messages, top_p: -0.1 }), 400, { param: 'top_p' });
  });

  it('n out of range → 400 with param n', async () => {
    expectOpenAIError(await post({ messages, n: 0 }), 400, { type: 'invalid_request_error', param: 'n' });
    expect((await post({ messages, n: 1 })).statusCode).toBe(200);
  });

  it('unknown or malformed content parts and malformed content → 400', async () => {
    const file = { type: 'file', file: { file_id: 'f' } };
    const text = { type: 'text', text: 'Look:' };
    const content = (value: unknown) => post({ messages: [{ role: 'user', content: value }] });
    expectOpenAIError(await content([file]), 400, {
      param: 'messages[0].content[0].type',
      code: 'invalid_value',
    });
    expectOpenAIError(await content([text, file]), 400, { param: 'messages[0].content[1].type' });
    expectOpenAIError(await content([{ type: 'image_url', image_url: {} }]), 400, {
      param: 'messages[0].content[0].image_url.url',
    });
    expectOpenAIError(await post({ messages: [{ role: 'tool', content: '1' }] }), 400, {
      param: 'messages[0].tool_call_id',
      code: 'missing_required_parameter',
    });
    expectOpenAIError(await content([{ type: 'text' }]), 400, { param: 'messages[0].content[0].text' });
    expectOpenAIError(await content(['hi']), 400, { param: 'messages[0].content[0]', code: 'invalid_type' });
    expectOpenAIError(await content(42), 400, { param: 'messages[0].content', code: 'invalid_type' });
    expectOpenAIError(await content({ text: 'hi' }), 400, {
      param: 'messages[0].content',
      code: 'invalid_type',
    });
    expect((await content([text])).statusCode).toBe(200);
  });

  it('unknown model → 404 model_not_found with param model', async () => {
    expectOpenAIError(await post({ model: 'no-such-model', messages }), 404, {
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    });
    expect(gateway.sim.requests).toHaveLength(0);
  });

  it('huge body → 413', async () => {
    const huge = { messages: [{ role: 'user', content: 'x'.repeat(200 * 1024) }] };
    expectOpenAIError(await post(huge), 413, { type: 'invalid_request_error' });
  });

  it('wrong content type → 415 (text/plain is parsed as a string, so it fails validation with 400)', async () => {
    const send = (contentType: string, payload: string) =>
      gateway.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { 'content-type': contentType },
        payload,
      });
    expectOpenAIError(await send('application/xml', '<messages/>'), 415, {
      type: 'invalid_request_error',
      code: 'unsupported_media_type',
    });
    expectOpenAIError(await send('text/plain', JSON.stringify({ messages })), 400, {
      type: 'invalid_request_error',
    });
  });
});

describe('upstream failures', () => {
  it('an upstream 500 becomes a 502 api_error without internal detail', async () => {
    gateway.sim.inject({ status: 500, times: 10 });
    const error = expectOpenAIError(await post({ messages }), 502, { type: 'api_error' });
    expect(error.message).not.toMatch(/at .*\.js|stack/i);
  });

  it('an upstream 429 becomes a 429 rate_limit_error with Retry-After', async () => {
    gateway.sim.inject({ status: 429, headers: { 'retry-after': '7' }, times: 10 });
    const response = await post({ messages });
    expectOpenAIError(response, 429, { type: 'rate_limit_error' });
    expect(response.headers['retry-after']).toBe('7');
  });

  it('a stream whose upstream fails before the first byte answers a JSON error with its status', async () => {
    gateway.sim.inject({ status: 503, times: 10 });
    const response = await post({ messages, stream: true });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expectOpenAIError(response, 502, { type: 'api_error' });
  });
});

describe('POST /v1/completions (legacy)', () => {
  it('answers a text completion', async () => {
    const response = await post(
      { model: 'gpt-4o-mini', prompt: 'Once upon', max_tokens: 10 },
      {},
      '/v1/completions',
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: expect.stringMatching(/^cmpl-/),
      object: 'text_completion',
      created: expect.any(Number),
      model: 'gpt-4o-mini',
      choices: [{ text: 'Echo: Once upon', index: 0, logprobs: null, finish_reason: 'stop' }],
      usage: { ...upstreamUsage(), from_cache: false },
    });
    expect(gateway.sim.lastRequest('/chat/completions')?.body).toMatchObject({
      messages: [{ role: 'user', content: 'Once upon' }],
    });
  });

  it('accepts a one-prompt array and rejects longer ones', async () => {
    expect((await post({ prompt: ['Hi'] }, {}, '/v1/completions')).statusCode).toBe(200);
    expectOpenAIError(await post({ prompt: ['a', 'b'] }, {}, '/v1/completions'), 400, { param: 'prompt' });
    expectOpenAIError(await post({}, {}, '/v1/completions'), 400, { param: 'prompt' });
  });

  it('streams text chunks', async () => {
    const response = await post(
      { prompt: 'Hi there', stream: true, stream_options: { include_usage: true } },
      {},
      '/v1/completions',
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream');
    const events = response.body.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice('data: '.length)));
    const text = chunks.map((chunk) => chunk.choices[0]?.text ?? '').join('');
    expect(text).toBe('Echo: Hi there');
    expect(chunks.every((chunk) => chunk.object === 'text_completion')).toBe(true);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');
    const completionTokens = gateway.sim.lastRequest('/chat/completions')?.reply?.completionTokens;
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { completion_tokens: completionTokens, from_cache: false },
    });
  });
});

describe('GET /v1/models', () => {
  it('lists the routed models with their backend', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/v1/models' });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { object: string; data: Array<Record<string, unknown>> };
    expect(body.object).toBe('list');
    expect(body.data).toContainEqual({
      id: 'gpt-4o-mini',
      object: 'model',
      created: expect.any(Number),
      owned_by: 'openai',
    });
    expect(body.data.map((model) => model.id)).toContain('gpt-4o');
  });

  it('retrieves one model, and 404s an unknown one', async () => {
    const found = await gateway.app.inject({ method: 'GET', url: '/v1/models/gpt-4o' });
    expect(found.json()).toMatchObject({ id: 'gpt-4o', object: 'model', owned_by: 'openai' });
    const missing = await gateway.app.inject({ method: 'GET', url: '/v1/models/nope' });
    expectOpenAIError(missing, 404, { code: 'model_not_found', param: 'model' });
  });
});
