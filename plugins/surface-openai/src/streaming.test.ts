import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './__fixtures__/gateway.js';

let gateway: TestGateway;
let client: OpenAI;

/** Starts the gateway of the tests that follow: relaying the upstream's bytes (the default) or translating. */
function gatewayFor(relay: boolean) {
  beforeAll(async () => {
    gateway = await startGateway({ relay });
    client = new OpenAI({ apiKey: 'unused', baseURL: `${await gateway.listen()}/v1`, maxRetries: 0 });
  });
  afterEach(() => gateway.sim.reset());
  afterAll(() => gateway.close());
}

const messages = [{ role: 'user' as const, content: 'Tell me about streaming gateways' }];

/** Reads an SSE response into its `data:` payloads. */
async function events(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
}

// The same client code and the same answers on both paths; the relayed one also carries what the
// upstream adds (the simulator's `refusal: null`, `annotations: []`, `usage: null` on every chunk).
describe.each([
  ['relayed', true],
  ['translated', false],
])('through the official openai SDK, %s', (_path, relay) => {
  gatewayFor(relay);
  it('answers a non-streaming completion', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages, max_tokens: 64 })
      .withResponse();
    expect(data.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: 'Echo: Tell me about streaming gateways',
    });
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.object).toBe('chat.completion');
    const upstream = gateway.sim.lastRequest('/chat/completions')?.reply;
    expect(data.usage).toMatchObject({
      prompt_tokens: upstream?.promptTokens,
      completion_tokens: upstream?.completionTokens,
      total_tokens: upstream?.totalTokens,
      from_cache: false,
    });
    expect(response.headers.get('x-gateway-backend')).toBe('openai');
  });

  it('streams chunks, the finish reason, the usage chunk and [DONE]', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('x-gateway-backend')).toBe('openai');
    expect(response.headers.get('x-gateway-model')).toBe('gpt-4o');
    expect(response.headers.get('x-request-id')).toBeTruthy();

    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const first = chunks[0]!;
    expect(first.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(
      chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'gpt-4o'),
    ).toBe(true);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Echo: Tell me about streaming gateways');
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toMatchObject({ index: 0, logprobs: null, finish_reason: 'stop' });
    expect(finish.choices[0]?.delta.content ?? '').toBe('');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    const upstream = gateway.sim.lastRequest('/chat/completions')?.reply;
    expect(last.usage).toMatchObject({
      prompt_tokens: upstream?.promptTokens,
      completion_tokens: upstream?.completionTokens,
      total_tokens: upstream?.totalTokens,
      // The translated usage chunk says whether it came from the cache; the relayed one is the upstream's.
      ...(relay ? {} : { from_cache: false }),
    });
  });

  it('sends no usage chunk unless asked, and ends with [DONE]', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages, stream: true }),
    });
    const payloads = await events(response);
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = payloads.slice(0, -1).map((payload) => JSON.parse(payload));
    expect(chunks.every((chunk) => chunk.choices.length === 1 && !chunk.usage)).toBe(true);
    expect(chunks.at(-1).choices[0]).toMatchObject({ index: 0, logprobs: null, finish_reason: 'stop' });
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toEqual(expect.arrayContaining(['gpt-4o-mini', 'gpt-4o']));
    expect((await client.models.retrieve('gpt-4o')).owned_by).toBe('openai');
  });

  it('surfaces gateway errors as the SDK error classes', async () => {
    const notFound = await client.chat.completions
      .create({ model: 'nope', messages })
      .catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notFound as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    const bad = await client.chat.completions
      .create({ model: 'gpt-4o', messages, temperature: 5 })
      .catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
  });
});

describe.each([
  ['relayed', true],
  ['translated', false],
])('stream failures, %s', (_path, relay) => {
  gatewayFor(relay);
  it('an upstream that drops mid-stream ends the stream with an error event and no [DONE]', async () => {
    gateway.sim.inject({ dropAfterChunks: 3, times: 10 });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages, stream: true }),
    });
    expect(response.status).toBe(200);
    const payloads = await events(response);
    expect(payloads).not.toContain('[DONE]');
    const last = JSON.parse(payloads.at(-1)!);
    expect(last.error).toMatchObject({ type: expect.any(String), message: expect.any(String) });
    expect(Object.keys(last.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    // The SDK turns that event into an APIError.
    gateway.sim.inject({ dropAfterChunks: 3, times: 10 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    await expect(
      (async () => {
        for await (const _ of stream) {
          /* drain */
        }
      })(),
    ).rejects.toBeInstanceOf(OpenAI.APIError);
  });
});

describe('client disconnects', () => {
  it('aborts the upstream stream when the client goes away', async () => {
    const slow = await startGateway({
      simulator: { chunkDelayMs: 20, reply: () => 'lorem ipsum dolor '.repeat(100) },
    });
    try {
      const slowClient = new OpenAI({
        apiKey: 'unused',
        baseURL: `${await slow.listen()}/v1`,
        maxRetries: 0,
      });
      const stream = await slowClient.chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        stream: true,
      });
      let received = 0;
      // Leaving the loop makes the SDK abort its request: the gateway sees its client go away.
      for await (const _ of stream) {
        received += 1;
        if (received === 3) break;
      }
      await slow.sim.waitFor((sim) => sim.aborted === 1 && sim.inFlight === 0);
      const upstream = slow.sim.lastRequest('/chat/completions')!;
      expect(upstream.aborted).toBe(true);
      expect(upstream.completed).toBe(false);
      expect(slow.contexts.at(-1)?.signal.aborted).toBe(true);
    } finally {
      await slow.close();
    }
  });
});
