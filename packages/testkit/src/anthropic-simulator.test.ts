import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anthropicFixture, type SseEvent, sseEvents } from './anthropic-fixtures.js';
import { startAnthropicSimulator } from './anthropic-simulator.js';
import type { Simulator } from './simulator.js';

const apiKey = 'sk-ant-test-key';
let sim: Simulator;
let client: Anthropic;

beforeAll(async () => {
  sim = await startAnthropicSimulator({
    apiKey,
    models: ['claude-sonnet-4-5'],
    replay: (body) =>
      (body.metadata as { user_id?: string } | undefined)?.user_id === 'replay-tool-use'
        ? anthropicFixture('anthropic-stream-tool-use.txt')
        : undefined,
  });
  client = new Anthropic({ apiKey, baseURL: sim.url, maxRetries: 0 });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

const model = 'claude-sonnet-4-5';
const ask = {
  model,
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'Hello there gateway' }],
};

async function rawStream(body: Record<string, unknown>): Promise<SseEvent[]> {
  const response = await fetch(`${sim.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return sseEvents(await response.text());
}

/** An event's shape: its name, type and field names (block and delta types included), not its values. */
function shape(event: SseEvent): string {
  const { data } = event;
  const inner = (key: string) => {
    const value = data[key] as Record<string, unknown> | undefined;
    return value ? `${key}:${String(value.type ?? '')}` : '';
  };
  return [event.event, data.type, inner('content_block'), inner('delta')].join('|');
}

/** Event shapes with runs of the same delta folded into one: the recorded and simulated texts differ in length. */
function sequence(events: SseEvent[]): string[] {
  return events.map(shape).filter((s, i, all) => s !== all[i - 1]);
}

describe('Anthropic simulator', () => {
  it('answers POST /v1/messages as a Message the official SDK reads, shaped like the documented one', async () => {
    const message = await client.messages.create({ ...ask, system: 'Be brief' });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: 'Echo: Hello there gateway' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 5,
        output_tokens: 4,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
      },
    });
    expect(message.id).toMatch(/^msg_01/);
    const documented = JSON.parse(anthropicFixture('anthropic-message.json')) as Record<string, unknown>;
    for (const key of Object.keys(documented)) expect(message).toHaveProperty(key);
    const recorded = sim.lastRequest('/v1/messages');
    expect(recorded?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(recorded?.reply?.text).toBe('Echo: Hello there gateway');
  });

  it('streams the documented event sequence: message_start, blocks with a ping, message_delta, message_stop', async () => {
    const events = await rawStream(ask);
    expect(sequence(events)).toEqual(sequence(sseEvents(anthropicFixture('anthropic-stream-text.txt'))));
    for (const event of events) expect(event.data.type).toBe(event.event);
    const text = events.flatMap((e) =>
      e.event === 'content_block_delta' ? [(e.data.delta as { text: string }).text] : [],
    );
    expect(text.join('')).toBe('Echo: Hello there gateway');
    expect(events.at(-2)?.data).toMatchObject({
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 4 },
    });
  });

  it('streams tool use as the docs record it: a tool_use block opened with {} and its input in input_json_delta pieces', async () => {
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather in a city',
        input_schema: { type: 'object' as const, properties: { location: { type: 'string' } } },
      },
    ];
    const events = await rawStream({ ...ask, tools });
    const recorded = sseEvents(anthropicFixture('anthropic-stream-tool-use.txt'));
    // The documented answer has a text block before the tool block; compare the tool block and the ending.
    const toolBlock = (list: SseEvent[]) => {
      const start = list.findIndex((e) => shape(e).includes('tool_use'));
      const stop = list.findIndex((e, i) => i > start && e.event === 'content_block_stop');
      // The ping follows the first block to open, which is the tool block only in the simulator's answer.
      return sequence([...list.slice(start, stop + 1), ...list.slice(-2)]).filter(
        (s) => !s.startsWith('ping'),
      );
    };
    expect(toolBlock(events)).toEqual(toolBlock(recorded));
    expect(toolBlock(events)).toHaveLength(5);
    const input = events
      .flatMap((e) =>
        e.event === 'content_block_delta' ? [(e.data.delta as { partial_json: string }).partial_json] : [],
      )
      .join('');
    expect(JSON.parse(input)).toEqual({ location: 'Hello there gateway' });
    expect(events.at(-2)?.data).toMatchObject({ delta: { stop_reason: 'tool_use' } });

    const message = await client.messages.create({
      ...ask,
      tools,
      tool_choice: { type: 'tool', name: 'get_weather' },
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[0]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { location: 'Hello there gateway' },
    });
  });

  it('streams thinking as the docs record it: thinking_delta pieces, a signature_delta, then the text block', async () => {
    const events = await rawStream({
      ...ask,
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
    const recorded = sseEvents(anthropicFixture('anthropic-stream-thinking.txt'));
    // The docs' thinking example leaves out the ping every other example has after the first block opens.
    expect(sequence(events).filter((s) => !s.startsWith('ping'))).toEqual(sequence(recorded));
    const message = await client.messages.create({
      ...ask,
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(message.content[0]).toMatchObject({ thinking: 'Thinking about: Hello there gateway' });
  });

  it('replays a recorded transcript event by event for a streamed request when told to', async () => {
    const events = await rawStream({ ...ask, metadata: { user_id: 'replay-tool-use' } });
    expect(events).toEqual(sseEvents(anthropicFixture('anthropic-stream-tool-use.txt')));
    expect(sim.lastRequest()?.chunks).toBe(events.length);
  });

  it('honours max_tokens and stop_sequences with their stop reasons', async () => {
    const short = await client.messages.create({ ...ask, max_tokens: 2 });
    expect(short).toMatchObject({ stop_reason: 'max_tokens', content: [{ text: 'Echo: Hello' }] });
    const stopped = await client.messages.create({ ...ask, stop_sequences: ['there'] });
    expect(stopped).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'there' });
    expect(stopped.content[0]).toMatchObject({ text: 'Echo: Hello ' });
  });

  it('reports a cache_control prefix as written once, then read', async () => {
    const system = [
      {
        type: 'text' as const,
        text: 'A long shared preamble',
        cache_control: { type: 'ephemeral' as const },
      },
    ];
    const first = await client.messages.create({ ...ask, system });
    expect(first.usage).toMatchObject({
      input_tokens: 3,
      cache_creation_input_tokens: 4,
      cache_read_input_tokens: 0,
    });
    const second = await client.messages.create({ ...ask, system });
    expect(second.usage).toMatchObject({
      input_tokens: 3,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 4,
    });
  });

  it('answers errors in Anthropic shape: a wrong x-api-key is a 401 authentication_error', async () => {
    const wrong = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: sim.url, maxRetries: 0 });
    const error = await wrong.messages.create(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
    });
  });

  it('injects faults with Anthropic error bodies: 529 overloaded_error, 429 with retry-after', async () => {
    sim.inject({ status: 529 });
    const overloaded = (await client.messages.create(ask).catch((e: unknown) => e)) as InstanceType<
      typeof Anthropic.APIError
    >;
    expect(overloaded.status).toBe(529);
    expect(overloaded.error).toMatchObject({ error: { type: 'overloaded_error', message: 'Overloaded' } });
    sim.inject({ status: 429, headers: { 'retry-after': '3' } });
    const limited = (await client.messages.create(ask).catch((e: unknown) => e)) as InstanceType<
      typeof Anthropic.APIError
    >;
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(limited.headers?.get('retry-after')).toBe('3');
    sim.inject({ status: 429 });
    const plain = (await client.messages.create(ask).catch((e: unknown) => e)) as InstanceType<
      typeof Anthropic.APIError
    >;
    expect(plain.headers?.get('retry-after')).toBe('1');
    expect(sim.requests.map((r) => r.status)).toEqual([529, 429, 429]);
  });

  it('rejects a body without max_tokens, an unknown model, and a missing anthropic-version', async () => {
    const noMax = await client.messages
      .create({ model, messages: ask.messages } as never)
      .catch((e: unknown) => e);
    expect(noMax).toBeInstanceOf(Anthropic.BadRequestError);
    const unknown = await client.messages.create({ ...ask, model: 'claude-nope' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    const bare = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey },
      body: JSON.stringify(ask),
    });
    expect(bare.status).toBe(400);
    expect(await bare.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('refuses thinking with a budget under 1024, not under max_tokens, or with a forced tool', async () => {
    const thinking = { type: 'enabled' as const, budget_tokens: 2048 };
    const refusals = [
      { ...ask, thinking: { type: 'enabled' as const, budget_tokens: 100 } },
      { ...ask, max_tokens: 2048, thinking },
      {
        ...ask,
        thinking,
        tools: [{ name: 'f', input_schema: { type: 'object' as const } }],
        tool_choice: { type: 'any' as const },
      },
    ];
    for (const body of refusals) {
      const error = await client.messages.create(body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    }
  });

  it('lists models through the SDK', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['claude-sonnet-4-5']);
    expect(page.data[0]).toMatchObject({ type: 'model', display_name: 'claude-sonnet-4-5' });
  });

  it('cuts a stream after dropAfterChunks events', async () => {
    sim.inject({ dropAfterChunks: 2 });
    const stream = await client.messages.create({ ...ask, stream: true });
    const error = await (async () => {
      for await (const _ of stream) {
        /* drain */
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(sim.lastRequest()?.dropped).toBe(true);
  });
});
