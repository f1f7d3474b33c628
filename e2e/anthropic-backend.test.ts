/**
 * Claude as a backend end to end: the built `gateway` process on e2e/fixtures/anthropic-backend.yaml
 * (backend-anthropic behind surface-openai), the testkit Anthropic simulator as the upstream, driven by
 * the official `openai` SDK.
 */
import { type Simulator, startAnthropicSimulator } from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';

const anthropicKey = 'sk-ant-e2e-0123456789abcdef';
const revokedKey = 'sk-ant-e2e-revoked-fedcba9876543210';
const model = 'claude-sonnet-4-5';
/** A 1x1 PNG. */
const pixel =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

/** The simulator's token counts are word counts. */
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

let sim: Simulator;
let gateway: Gateway;
let client: OpenAI;

beforeAll(async () => {
  sim = await startAnthropicSimulator({ apiKey: anthropicKey, models: [model] });
  gateway = await startGateway({
    profile: 'e2e/fixtures/anthropic-backend.yaml',
    env: { ANTHROPIC_API_KEY: anthropicKey, ANTHROPIC_REVOKED_KEY: revokedKey, ANTHROPIC_BASE_URL: sim.url },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterEach(() => sim.reset());
afterAll(async () => {
  await gateway?.stop();
  await sim?.close();
});

function upstreamBody(): Record<string, unknown> {
  const seen = sim.lastRequest('/v1/messages');
  expect(seen, 'the simulator saw no Messages request').toBeDefined();
  // The gateway sends its own Anthropic key, never the client's.
  expect(seen?.headers.authorization ?? seen?.headers['x-api-key']).toContain(anthropicKey);
  return seen?.body as Record<string, unknown>;
}

describe('backend-anthropic behind the OpenAI surface', () => {
  it('answers chat completions JSON with Claude, system joined and usage counted', async () => {
    const prompt = 'Hello Claude through the gateway';
    const { data, response } = await client.chat.completions
      .create({
        model,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: prompt },
        ],
      })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-backend')).toBe('claude');
    expect(data.choices[0]?.message.content).toBe(`Echo: ${prompt}`);
    expect(data.choices[0]?.finish_reason).toBe('stop');
    const promptTokens = words(prompt) + words('Be brief.');
    expect(data.usage).toMatchObject({
      prompt_tokens: promptTokens,
      completion_tokens: words(`Echo: ${prompt}`),
      total_tokens: promptTokens + words(`Echo: ${prompt}`),
    });
    expect(upstreamBody()).toEqual({
      model,
      max_tokens: 4096,
      system: 'Be brief.',
      messages: [{ role: 'user', content: prompt }],
    });
  });

  it('streams chat completions from Claude with usage in the last chunk', async () => {
    const prompt = 'Stream from Claude please';
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: prompt }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(`Echo: ${prompt}`);
    expect(chunks).toBeGreaterThan(3);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: words(prompt), completion_tokens: words(text) });
    expect(sim.lastRequest('/v1/messages')?.stream).toBe(true);
  });

  it('round-trips a tool call: tool_use out as tool_calls, the tool result back as tool_result', async () => {
    const first = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Lisbon' }],
      tools,
      tool_choice: 'required',
    });
    expect(upstreamBody()).toMatchObject({
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any' },
    });
    const message = first.choices[0]?.message;
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    const call = message?.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('no function tool call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Lisbon' });
    expect(call.id).toMatch(/^toolu_/);

    const second = await client.chat.completions.create({
      model,
      tools,
      messages: [
        { role: 'user', content: 'Lisbon' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '18C and sunny' },
      ],
    });
    expect(second.choices[0]?.message.content).toBe('Echo: Tool said: 18C and sunny');
    const sent = upstreamBody().messages as Array<{ role: string; content: unknown }>;
    expect(sent[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: call.id, name: 'get_weather', input: { city: 'Lisbon' } }],
    });
    expect(sent[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: call.id, content: '18C and sunny' }],
    });
  });

  it('sends an image to Claude as a base64 image block', async () => {
    const completion = await client.chat.completions.create({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture' },
            { type: 'image_url', image_url: { url: pixel } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: What is in this picture [1 image]');
    const sent = upstreamBody().messages as Array<{ content: Array<Record<string, unknown>> }>;
    expect(sent[0]?.content[1]).toEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: pixel.split(',')[1] },
    });
  });

  it('retries an upstream 529 overloaded answer and then answers', async () => {
    sim.inject({ status: 529 });
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Are you overloaded' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: Are you overloaded');
    expect(sim.requests.map((r) => r.status)).toEqual([529, 200]);
  });

  it('surfaces an upstream 401 as a gateway error that names no key, in the answer or the logs', async () => {
    const error = await client.chat.completions
      .create({ model: `claude-revoked/${model}`, messages: [{ role: 'user', content: 'Who am I' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(502);
    expect(apiError.code).toBe('upstream_auth_failed');
    // Not retried: the client cannot fix the gateway's credentials and another attempt fails alike.
    expect(sim.requests.map((r) => r.status)).toEqual([401]);
    const shown = JSON.stringify({ message: apiError.message, body: apiError.error });
    for (const key of [revokedKey, anthropicKey]) expect(shown).not.toContain(key);
    const logs = await gateway.writtenLogs();
    for (const key of [revokedKey, anthropicKey]) expect(logs).not.toContain(key);
  });
});
