import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAISimulator } from './openai-simulator.js';
import type { Simulator } from './simulator.js';

let sim: Simulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startOpenAISimulator({ models: ['gpt-4o-mini', 'deepseek-chat', 'llama-3.1-8b-instant'] });
  client = new OpenAI({ apiKey: 'test', baseURL: `${sim.url}/v1`, maxRetries: 0 });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

const messages = [
  { role: 'system' as const, content: 'You are terse' },
  { role: 'user' as const, content: 'Say hello to the gateway' },
];

async function sse(path: string, body: unknown): Promise<Array<Record<string, unknown> | '[DONE]'>> {
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await response.text();
  const events = text.split('\n\n').filter(Boolean);
  return events.map((event) => {
    expect(event.startsWith('data: ')).toBe(true);
    const data = event.slice('data: '.length);
    return data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as Record<string, unknown>);
  });
}

describe('OpenAI simulator', () => {
  it('answers chat completions in the OpenAI format, echoing the last user message', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Echo: Say hello to the gateway', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 },
    });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(typeof completion.created).toBe('number');
    expect(typeof completion.system_fingerprint).toBe('string');
    const recorded = sim.lastRequest('/chat/completions');
    expect(recorded?.body).toMatchObject({ model: 'gpt-4o-mini', messages });
    expect(recorded?.reply?.text).toBe('Echo: Say hello to the gateway');
    expect(recorded?.completed).toBe(true);
  });

  it('serves the DeepSeek (no prefix) and Groq (/openai/v1) base URLs', async () => {
    for (const [base, model] of [
      ['', 'deepseek-chat'],
      ['/openai/v1', 'llama-3.1-8b-instant'],
    ] as const) {
      const other = new OpenAI({ apiKey: 'test', baseURL: `${sim.url}${base}`, maxRetries: 0 });
      const completion = await other.chat.completions.create({ model, messages });
      expect(completion.model).toBe(model);
      expect(completion.choices[0]?.message.content).toBe('Echo: Say hello to the gateway');
    }
    expect(sim.requests.map((r) => r.path)).toEqual(['/chat/completions', '/openai/v1/chat/completions']);
  });

  it('truncates to max_tokens words with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      max_tokens: 3,
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: Say hello');
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(3);
    const viaNewField = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      max_completion_tokens: 2,
    });
    expect(viaNewField.choices[0]?.message.content).toBe('Echo: Say');
  });

  it('uses a custom reply and cuts at stop sequences', async () => {
    const custom = await startOpenAISimulator({
      reply: (body) => `${body.messages?.length} messages. The end`,
    });
    try {
      const other = new OpenAI({ apiKey: 'x', baseURL: `${custom.url}/v1`, maxRetries: 0 });
      const completion = await other.chat.completions.create({ model: 'any-model', messages });
      expect(completion.choices[0]?.message.content).toBe('2 messages. The end');
      const stopped = await other.chat.completions.create({ model: 'any-model', messages, stop: ['.'] });
      expect(stopped.choices[0]?.message.content).toBe('2 messages');
      expect(stopped.choices[0]?.finish_reason).toBe('stop');
    } finally {
      await custom.close();
    }
  });

  it('streams word by word through the SDK, with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(['Echo: ', 'Say ', 'hello ', 'to ', 'the ', 'gateway']);
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 });
  });

  it('sends the exact SSE sequence: role chunk, word chunks, finish chunk, usage chunk, [DONE]', async () => {
    const events = await sse('/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi there' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(events).toHaveLength(7);
    expect(events[0]).toMatchObject({
      object: 'chat.completion.chunk',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    });
    expect(
      events
        .slice(1, 4)
        .map((e) => (e as { choices: [{ delta: { content: string } }] }).choices[0].delta.content),
    ).toEqual(['Echo: ', 'hi ', 'there']);
    expect(events[4]).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }] });
    expect(events[5]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
    });
    expect(events[6]).toBe('[DONE]');
    expect(new Set(events.slice(0, 6).map((e) => (e as { id: string }).id)).size).toBe(1);
  });

  it('omits the usage chunk unless include_usage, and puts x_groq usage on Groq finish chunks', async () => {
    const plain = await sse('/v1/chat/completions', { model: 'gpt-4o-mini', messages, stream: true });
    expect(plain.at(-2)).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
    expect(plain.some((e) => e !== '[DONE]' && e['usage'])).toBe(false);
    const groq = await sse('/openai/v1/chat/completions', {
      model: 'llama-3.1-8b-instant',
      messages,
      stream: true,
    });
    expect(groq.at(-2)).toMatchObject({
      choices: [{ finish_reason: 'stop' }],
      x_groq: { usage: { prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 } },
    });
  });

  it('lists models on every prefix', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual(['gpt-4o-mini', 'deepseek-chat', 'llama-3.1-8b-instant']);
    const groq = (await (await fetch(`${sim.url}/openai/v1/models`)).json()) as { object: string };
    expect(groq.object).toBe('list');
    const deepseek = await fetch(`${sim.url}/models`);
    expect(deepseek.status).toBe(200);
  });

  it('answers errors in the OpenAI format', async () => {
    const notFound = await client.chat.completions.create({ model: 'gpt-5-nope', messages }).catch((e) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect(notFound.status).toBe(404);
    expect(notFound.code).toBe('model_not_found');

    const badJson = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: '{nope' });
    expect(badJson.status).toBe(400);
    const badJsonBody = (await badJson.json()) as { error: Record<string, unknown> };
    expect(badJsonBody.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
    expect(Object.keys(badJsonBody.error).sort()).toEqual(['code', 'message', 'param', 'type']);

    const noMessages = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [] })
      .catch((e) => e);
    expect(noMessages).toBeInstanceOf(OpenAI.BadRequestError);
    expect(noMessages.type).toBe('invalid_request_error');

    const unknownUrl = await fetch(`${sim.url}/v1/audio/speech`, { method: 'POST', body: '{}' });
    expect(unknownUrl.status).toBe(404);
  });

  it('requires the API key when configured', async () => {
    const locked = await startOpenAISimulator({ apiKey: 'sk-right' });
    try {
      const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${locked.url}/v1`, maxRetries: 0 });
      const error = await wrong.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(error.code).toBe('invalid_api_key');
      const right = new OpenAI({ apiKey: 'sk-right', baseURL: `${locked.url}/v1`, maxRetries: 0 });
      const ok = await right.chat.completions.create({ model: 'gpt-4o-mini', messages });
      expect(ok.choices[0]?.message.content).toBe('Echo: Say hello to the gateway');
    } finally {
      await locked.close();
    }
  });
});
