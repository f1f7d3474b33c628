/**
 * The Responses API end to end: two built `gateway` processes on one Redis (stored responses and BullMQ
 * background tasks shared), the OpenAI and Ollama simulators upstream, driven by the official `openai` SDK.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type RedisInstance,
  type Simulator,
  startOllamaSimulator,
  startOpenAISimulator,
  startRedis,
} from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { waitUntil } from './helpers/http.js';

const profile = 'e2e/fixtures/responses-api.yaml';
const clientKeys = ['e2e-responses-key-alice-3c9d', 'e2e-responses-key-bob-7a1f'];
const upstreamKey = 'sk-e2e-responses-openai-0123456789';

let openaiSim: Simulator;
let ollamaSim: Simulator;
let redis: RedisInstance;
let csvDir: string;
let first: Gateway;
let second: Gateway;
let alice: OpenAI;
let aliceOnSecond: OpenAI;
let bob: OpenAI;

beforeAll(async () => {
  [openaiSim, ollamaSim, redis] = await Promise.all([
    startOpenAISimulator({ apiKey: upstreamKey, models: ['gpt-4o-mini'] }),
    startOllamaSimulator({ models: ['llama3.2'] }),
    startRedis(),
  ]);
  csvDir = await mkdtemp(join(tmpdir(), 'responses-e2e-'));
  const env = {
    OPENAI_API_KEY: upstreamKey,
    OPENAI_BASE_URL: `${openaiSim.url}/v1`,
    OLLAMA_HOST: ollamaSim.url,
    GATEWAY_API_KEYS: clientKeys.join(','),
    REDIS_URL: redis.url,
    CSV_DIR: csvDir,
  };
  [first, second] = await Promise.all([startGateway({ profile, env }), startGateway({ profile, env })]);
  alice = new OpenAI({ apiKey: clientKeys[0], baseURL: `${first.url}/v1`, maxRetries: 0 });
  aliceOnSecond = new OpenAI({ apiKey: clientKeys[0], baseURL: `${second.url}/v1`, maxRetries: 0 });
  bob = new OpenAI({ apiKey: clientKeys[1], baseURL: `${first.url}/v1`, maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  await Promise.all([openaiSim?.close(), ollamaSim?.close(), redis?.stop()]);
  if (csvDir) await rm(csvDir, { recursive: true, force: true });
});

const weather = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
};

describe('Responses API (e2e)', () => {
  it('responses.create answers JSON on the OpenAI and the Ollama backend', async () => {
    const onOpenAI = await alice.responses.create({ model: 'gpt-4o-mini', input: 'hello from e2e' });
    expect(onOpenAI).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-4o-mini' });
    expect(onOpenAI.output_text).toBe('Echo: hello from e2e');
    expect(onOpenAI.usage).toMatchObject({
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
    });
    const onOllama = await alice.responses.create({
      model: 'llama3.2',
      input: 'hello ollama',
      instructions: 'Be brief.',
    });
    expect(onOllama.status).toBe('completed');
    expect(onOllama.output_text.length).toBeGreaterThan(0);
    expect(ollamaSim.lastRequest('/api/chat')).toBeDefined();
  });

  it('streams the documented event sequence with sequence numbers', async () => {
    const stream = await alice.responses.create({ model: 'gpt-4o-mini', input: 'stream e2e', stream: true });
    const events: Array<{ type: string; sequence_number: number }> = [];
    for await (const event of stream) events.push(event);
    expect(events[0]!.type).toBe('response.created');
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map((event) => event.type)).toContain('response.output_text.delta');
  });

  it('a function tool round trip with previous_response_id, continued on the other instance', async () => {
    const asked = await alice.responses.create({
      model: 'gpt-4o-mini',
      input: 'weather in Oslo?',
      tools: [weather],
    });
    const call = asked.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('expected a function_call item');
    expect(call.name).toBe('get_weather');
    expect(JSON.parse(call.arguments)).toHaveProperty('city');

    // The stored response lives in Redis: the second instance continues it.
    const answered = await aliceOnSecond.responses.create({
      model: 'gpt-4o-mini',
      previous_response_id: asked.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":4}' }],
      tools: [weather],
    });
    expect(answered.status).toBe('completed');
    const sent = openaiSim.lastRequest('/chat/completions')!.body as { messages: Array<{ role: string }> };
    expect(sent.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    const items = await aliceOnSecond.responses.inputItems.list(answered.id);
    expect(items.data).toMatchObject([{ type: 'function_call_output', call_id: call.call_id }]);
  });

  it('previous_response_id carries a conversation over to Ollama', async () => {
    const opening = await alice.responses.create({ model: 'llama3.2', input: 'my name is Ada' });
    await alice.responses.create({
      model: 'llama3.2',
      previous_response_id: opening.id,
      input: 'what is my name?',
    });
    const sent = ollamaSim.lastRequest('/api/chat')!.body as {
      messages: Array<{ role: string; content: string }>;
    };
    expect(sent.messages.map((message) => message.content)).toEqual([
      'my name is Ada',
      opening.output_text,
      'what is my name?',
    ]);
  });

  it('background: true answers queued and GET polls it to completed (BullMQ on Redis)', async () => {
    const queued = await alice.responses.create({
      model: 'gpt-4o-mini',
      input: 'background e2e',
      background: true,
    });
    expect(queued.status).toBe('queued');
    let polled = queued;
    await waitUntil(
      async () => {
        polled = await aliceOnSecond.responses.retrieve(queued.id);
        expect(['queued', 'in_progress', 'completed']).toContain(polled.status);
        return polled.status === 'completed';
      },
      'the background response to complete',
      20_000,
    );
    expect(polled.output_text).toBe('Echo: background e2e');
  });

  it('responses.parse with a zod text format returns the parsed object', async () => {
    const Weather = z.object({ city: z.string(), temperature: z.number() });
    const parsed = await alice.responses.parse({
      model: 'gpt-4o-mini',
      input: 'weather in Lima as JSON',
      text: { format: zodTextFormat(Weather, 'weather') },
    });
    expect(parsed.output_parsed).toEqual({ city: expect.any(String), temperature: 42 });
    const sent = openaiSim.lastRequest('/chat/completions')!.body as { response_format: { type: string } };
    expect(sent.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'weather', strict: true },
    });
  });

  it("another principal's response is a 404; DELETE removes it for every instance", async () => {
    const mine = await alice.responses.create({ model: 'gpt-4o-mini', input: 'only mine' });
    await expect(bob.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.responses.delete(mine.id)).rejects.toMatchObject({ status: 404 });
    await alice.responses.delete(mine.id);
    await expect(aliceOnSecond.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
  });

  it('web_search is a 400 naming the tool parameter, in the OpenAI error shape', async () => {
    const error = await alice.responses
      .create({ model: 'gpt-4o-mini', input: 'news today?', tools: [{ type: 'web_search' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'tools[0].type', type: 'invalid_request_error' });
  });

  it('x-gateway-dropped-params lists the tuning a backend does not take (JSON and stream)', async () => {
    const onOllama = await alice.responses
      .create({ model: 'llama3.2', input: 'think hard', reasoning: { effort: 'high' }, service_tier: 'flex' })
      .withResponse();
    expect(onOllama.response.headers.get('x-gateway-dropped-params')).toBe('reasoning.effort, service_tier');
    const streamed = await alice.responses
      .create({ model: 'llama3.2', input: 'think hard', reasoning: { effort: 'low' }, stream: true })
      .withResponse();
    for await (const _event of streamed.data) {
      // drain
    }
    expect(streamed.response.headers.get('x-gateway-dropped-params')).toBe('reasoning.effort');
    const onOpenAI = await alice.responses
      .create({ model: 'gpt-4o-mini', input: 'think hard', reasoning: { effort: 'high' }, stream: true })
      .withResponse();
    for await (const _event of onOpenAI.data) {
      // drain
    }
    expect(onOpenAI.response.headers.get('x-gateway-dropped-params')).toBeNull();
    expect(openaiSim.lastRequest('/chat/completions')!.body).toMatchObject({ reasoning_effort: 'high' });
  });

  it('each Responses request leaves one telemetry record, with endpoint responses, its backend and usage', async () => {
    const { response } = await alice.responses
      .create({ model: 'llama3.2', input: 'count me' })
      .withResponse();
    const requestId = response.headers.get('x-request-id')!;
    const lines = async () => {
      const names = (await readdir(csvDir)).filter((name) => name.endsWith('.csv'));
      const texts = await Promise.all(names.map((name) => readFile(join(csvDir, name), 'utf8')));
      return texts.flatMap((text) => text.split('\n')).filter((line) => line.includes(requestId));
    };
    await waitUntil(async () => (await lines()).length > 0, 'the telemetry record', 10_000);
    const [line, ...more] = await lines();
    expect(more).toEqual([]);
    expect(line).toContain('responses');
    expect(line).toContain('ollama');
  });
});
