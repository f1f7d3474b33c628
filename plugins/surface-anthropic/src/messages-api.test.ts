import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './__fixtures__/gateway.js';

const key = 'sk-ant-test-0123456789abcdef';
let gateway: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  gateway = await startGateway({
    keys: [key],
    // What the OpenAI surface answers without the anthropic-version header.
    beside: (app) => app.get('/v1/models', async () => ({ object: 'list', data: [] })),
  });
  client = new Anthropic({ apiKey: key, baseURL: await gateway.listen(), maxRetries: 0 });
});
afterEach(() => gateway.sim.reset());
afterAll(() => gateway.close());

function upstreamBody(): Record<string, unknown> {
  return gateway.sim.lastRequest('/chat/completions')?.body as Record<string, unknown>;
}

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('the Messages API through the official SDK over a real pipeline and the OpenAI simulator', () => {
  it('answers messages.create with a Message: text block, end_turn, usage, the requested model', async () => {
    const { data, response } = await client.messages
      .create({
        model: 'gpt-4o-mini',
        max_tokens: 64,
        system: [{ type: 'text', text: 'Be brief.' }],
        messages: [{ role: 'user', content: 'Hello from Anthropic' }],
        stop_sequences: ['###'],
        metadata: { user_id: 'user-42' },
      })
      .withResponse();
    expect(data).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-mini',
      content: [{ type: 'text', text: 'Echo: Hello from Anthropic' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
    });
    expect(data.id).toMatch(/^msg_/);
    const reply = gateway.sim.lastRequest('/chat/completions')?.reply;
    expect(data.usage).toMatchObject({
      input_tokens: reply?.promptTokens,
      output_tokens: reply?.completionTokens,
    });
    expect(upstreamBody()).toMatchObject({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      stop: ['###'],
      user: 'user-42',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello from Anthropic' },
      ],
    });
    expect(response.headers.get('request-id')).toBeTruthy();
    expect(response.headers.get('x-gateway-backend')).toBe('openai');
    const finished = gateway.test.finished.at(-1);
    expect(finished?.context.endpoint).toBe('messages');
    expect(finished?.context.annotations.usage?.promptTokens).toBe(reply?.promptTokens);
  });

  it("streams Anthropic's event sequence, and messages.stream assembles the final message", async () => {
    const stream = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'Tell me about streams' }],
    });
    const events = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('message_start');
    expect(types[1]).toBe('content_block_start');
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const text = events
      .map((event) =>
        event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? event.delta.text : '',
      )
      .join('');
    expect(text).toBe('Echo: Tell me about streams');
    const delta = events.at(-2) as Anthropic.RawMessageDeltaEvent;
    expect(delta.delta.stop_reason).toBe('end_turn');
    const reply = gateway.sim.lastRequest('/chat/completions')?.reply;
    expect(delta.usage.output_tokens).toBe(reply?.completionTokens);
    expect(delta.usage.input_tokens).toBe(reply?.promptTokens);

    const final = await client.messages
      .stream({ model: 'gpt-4o', max_tokens: 64, messages: [{ role: 'user', content: 'Once more' }] })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Echo: Once more' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.model).toBe('gpt-4o');
    expect(final.usage.input_tokens).toBeGreaterThan(0);
  });

  it('round-trips a tool call: tool_use comes back, tool_result and the call history go upstream', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Paris' }];
    const first = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 64,
      messages,
      tools: [weatherTool],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
    });
    expect(upstreamBody()).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherTool.input_schema } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    });
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((block) => block.type === 'tool_use') as Anthropic.ToolUseBlock;
    expect(call).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });

    messages.push(
      { role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: call.id, content: [{ type: 'text', text: '18C' }] }],
      },
    );
    const second = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 64,
      messages,
      tools: [weatherTool],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'Echo: Tool said: 18C' }]);
    expect((upstreamBody().messages as unknown[]).slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: call.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: 'tool', content: '18C', tool_call_id: call.id },
    ]);
  });

  it('streams a tool call as tool_use with input_json_delta', async () => {
    const message = await client.messages
      .stream({
        model: 'gpt-4o',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'Rome' }],
        tools: [weatherTool],
        tool_choice: { type: 'any' },
      })
      .finalMessage();
    expect(upstreamBody().tool_choice).toBe('required');
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Rome' } }),
    ]);
  });

  it('sends image blocks (base64 and url) on as image parts', async () => {
    const message = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 64,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
            { type: 'text', text: 'What are these?' },
          ],
        },
      ],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: What are these? [2 images]' }]);
    expect((upstreamBody().messages as Array<{ content: unknown }>)[0]?.content).toEqual([
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      { type: 'text', text: 'What are these?' },
    ]);
  });

  it('counts tokens with the gateway tokenizer and never calls upstream', async () => {
    const short = await client.messages.countTokens({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const long = await client.messages.countTokens({
      model: 'gpt-4o',
      system: 'You are a careful assistant.',
      messages: [{ role: 'user', content: 'Hi there, how are you today?' }],
      tools: [weatherTool],
    });
    expect(short.input_tokens).toBeGreaterThan(0);
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens);
    expect(gateway.sim.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(
      0,
    );
    expect(gateway.test.finished.at(-1)?.context.endpoint).toBe('messages.count_tokens');
  });

  it("lists models in Anthropic's shape for the SDK; without anthropic-version the other surface answers", async () => {
    const page = await client.models.list({ limit: 1 });
    expect(page.data).toEqual([
      { type: 'model', id: 'gpt-4o-mini', display_name: 'gpt-4o-mini', created_at: expect.any(String) },
    ]);
    const all = [];
    for await (const model of client.models.list({ limit: 1 })) all.push(model.id);
    expect(all).toEqual(expect.arrayContaining(['gpt-4o-mini', 'gpt-4o', 'openai/gpt-4o']));
    expect((await client.models.retrieve('gpt-4o')).id).toBe('gpt-4o');
    await expect(client.models.retrieve('no-such-model')).rejects.toBeInstanceOf(Anthropic.NotFoundError);

    const plain = await fetch(`${gateway.url}/v1/models`);
    expect(await plain.json()).toEqual({ object: 'list', data: [] });
  });

  it('surfaces a wrong key as AuthenticationError and a missing max_tokens as BadRequestError', async () => {
    const stranger = new Anthropic({
      apiKey: 'sk-ant-wrong-0123456789',
      baseURL: gateway.url,
      maxRetries: 0,
    });
    const denied = await stranger.messages
      .create({ model: 'gpt-4o', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((denied as APIError).type).toBe('authentication_error');
    expect(JSON.stringify((denied as APIError).error)).not.toContain('sk-ant-wrong');

    const bad = await client.messages
      .create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
      } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect((bad as APIError).error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
      request_id: expect.any(String),
    });
    expect(gateway.sim.requests).toHaveLength(0);
  });

  it('takes the key as Authorization: Bearer too (the SDK authToken)', async () => {
    const bearer = new Anthropic({ apiKey: null, authToken: key, baseURL: gateway.url, maxRetries: 0 });
    const message = await bearer.messages.create({
      model: 'gpt-4o',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'bearer' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: bearer' }]);
  });

  it('sends top_k on in extra and answers 400 for a bad block, naming the field', async () => {
    await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'k' }],
      top_k: 5,
      temperature: 0.5,
    } as Anthropic.MessageCreateParamsNonStreaming);
    expect(upstreamBody()).toMatchObject({ top_k: 5, temperature: 0.5 });
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({
        model: 'gpt-4o',
        max_tokens: 8,
        messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }],
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: "messages.0.content.0.type: Input should be 'text', 'image' or 'tool_result'",
      },
    });
  });
});

describe('GET /v1/models query', () => {
  it('refuses a limit out of 1..1000 in Anthropic shape', async () => {
    const response = await fetch(`${gateway.url}/v1/models?limit=1001`, {
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});

describe('tuning through the real pipeline', () => {
  it('names thinking in x-gateway-dropped-params when the OpenAI backend drops it, and sends service_tier on', async () => {
    const { response } = await client.messages
      .create({
        model: 'gpt-4o',
        max_tokens: 2048,
        messages: [{ role: 'user', content: 'think' }],
        thinking: { type: 'enabled', budget_tokens: 1024 },
        service_tier: 'auto',
      })
      .withResponse();
    expect(response.headers.get('x-gateway-dropped-params')).toBe('thinking');
    expect(upstreamBody()).toMatchObject({ service_tier: 'auto' });
    expect(upstreamBody()).not.toHaveProperty('thinking');
  });
});
