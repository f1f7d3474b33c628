import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './__fixtures__/gateway.js';

let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  gateway = await startGateway();
  client = new OpenAI({ apiKey: 'unused', baseURL: `${await gateway.listen()}/v1`, maxRetries: 0 });
});
afterEach(() => gateway.sim.reset());
afterAll(() => gateway.close());

const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      strict: true,
    },
  },
];

function upstreamBody(): Record<string, unknown> {
  return gateway.sim.lastRequest('/chat/completions')?.body as Record<string, unknown>;
}

describe('the whole Chat Completions API through the official SDK', () => {
  it('round-trips a tool call: the call comes back, the tool result and call history go upstream', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Paris' }];
    const first = await client.chat.completions.create({
      model: 'gpt-4o',
      messages,
      tools,
      tool_choice: 'auto',
      parallel_tool_calls: false,
    });
    expect(upstreamBody()).toMatchObject({ tools, tool_choice: 'auto', parallel_tool_calls: false });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    expect(call.id).toMatch(/^call_/);

    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '18C and sunny' });
    const second = await client.chat.completions.create({ model: 'gpt-4o', messages, tools });
    expect(second.choices[0]?.message.content).toBe('Echo: Tool said: 18C and sunny');
    expect((upstreamBody().messages as unknown[]).slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', content: '18C and sunny', tool_call_id: call.id },
    ]);
  });

  it('streams tool-call deltas in order, with no synthetic empty chunk and the upstream id', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Rome' }],
      tools,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    // The first chunk already carries the call, as OpenAI's does: the gateway adds no empty chunk before it.
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({
      role: 'assistant',
      tool_calls: [{ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } }],
    });
    const argumentsText = chunks
      .map((chunk) => chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '')
      .join('');
    expect(JSON.parse(argumentsText)).toEqual({ city: 'Rome' });
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.tool_calls).length).toBe(
      1 + Math.ceil(argumentsText.length / 4),
    );
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(new Set(chunks.map((chunk) => chunk.id))).toEqual(new Set([chunks[0]!.id]));
    expect(chunks[0]?.system_fingerprint).toBe('fp_sim0000001');
  });

  it('answers n=2 with two choices, streamed and not', async () => {
    const messages = [{ role: 'user' as const, content: 'two please' }];
    const answer = await client.chat.completions.create({ model: 'gpt-4o', messages, n: 2 });
    expect(answer.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, 'Echo: two please'],
      [1, 'Echo: two please'],
    ]);
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, n: 2, stream: true });
    const text = ['', ''];
    const finishes: Array<[number, string]> = [];
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        text[c.index] += c.delta.content ?? '';
        if (c.finish_reason) finishes.push([c.index, c.finish_reason]);
      }
    }
    expect(text).toEqual(['Echo: two please', 'Echo: two please']);
    expect(finishes.sort()).toEqual([
      [0, 'stop'],
      [1, 'stop'],
    ]);
  });

  it('streams logprobs on the content chunks they belong to', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'a b' }],
      logprobs: true,
      stream: true,
    });
    const tokens: string[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) expect(choice.logprobs?.content?.[0]?.token).toBe(choice.delta.content);
      for (const entry of choice?.logprobs?.content ?? []) tokens.push(entry.token);
    }
    expect(tokens.join('')).toBe('Echo: a b');
  });

  it('sends image parts upstream as image_url parts', async () => {
    const answer = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
          ],
        },
      ],
    });
    expect(answer.choices[0]?.message.content).toBe('Echo: What is this? [1 image]');
    expect(upstreamBody().messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
        ],
      },
    ]);
  });

  it('forwards response_format, logprobs and the rest, and returns logprobs and the fingerprint', async () => {
    const answer = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'json' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'r',
          strict: true,
          schema: { type: 'object', properties: { n: { type: 'integer' } } },
        },
      },
      logprobs: true,
      top_logprobs: 1,
      logit_bias: { '1': -5 },
      seed: 7,
      stop: ['x', 'y'],
      metadata: { team: 'a' },
      user: 'u-1',
      store: false,
      service_tier: 'auto',
    });
    expect(JSON.parse(answer.choices[0]?.message.content ?? '')).toEqual({ n: 42 });
    expect(answer.choices[0]?.logprobs?.content?.[0]).toMatchObject({ token: '{"n":42}', logprob: -0.25 });
    expect(answer.system_fingerprint).toBe('fp_sim0000001');
    expect(answer.id).toMatch(/^chatcmpl-/);
    expect(upstreamBody()).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'r', strict: true } },
      logprobs: true,
      top_logprobs: 1,
      logit_bias: { '1': -5 },
      seed: 7,
      stop: ['x', 'y'],
      metadata: { team: 'a' },
      user: 'u-1',
      // Fields the gateway does not model go through unchanged.
      store: false,
      service_tier: 'auto',
    });
  });
});
