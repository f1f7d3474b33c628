/**
 * The whole Chat Completions API end to end: the built `gateway` on configs/default.yaml, the testkit
 * simulators as OpenAI, DeepSeek, Groq and Ollama, driven by the official `openai` SDK. Each feature
 * runs on every backend that supports it; the others must answer a 400 naming the parameter.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Simulator, startOllamaSimulator, startOpenAISimulator } from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Gateway, simulatedBackendsEnv, startGateway } from './helpers/gateway.js';

let openaiSim: Simulator;
let ollamaSim: Simulator;
let gateway: Gateway;
let client: OpenAI;
let csvDir: string;

beforeAll(async () => {
  openaiSim = await startOpenAISimulator();
  ollamaSim = await startOllamaSimulator({ models: ['llama3.2'] });
  csvDir = await mkdtemp(join(tmpdir(), 'e2e-full-api-csv-'));
  gateway = await startGateway({
    profile: 'configs/default.yaml',
    env: {
      ...simulatedBackendsEnv(
        {
          openai: 'sk-e2e-openai-full-api-0123',
          deepseek: 'sk-e2e-deepseek-full-api-0123',
          groq: 'gsk_e2e_groq_full_api_0123',
        },
        { openai: openaiSim, ollama: ollamaSim },
      ),
      CSV_FALLBACK_DIR: csvDir,
    },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([openaiSim?.close(), ollamaSim?.close()]);
  if (csvDir) await rm(csvDir, { recursive: true, force: true });
});

/** The model each backend serves in configs/default.yaml. */
const backends = {
  openai: 'gpt-4o-mini',
  deepseek: 'deepseek-chat',
  groq: 'llama-3.1-8b-instant',
  ollama: 'llama3.2',
} as const;
type BackendName = keyof typeof backends;
const all = Object.keys(backends) as BackendName[];

const tools: OpenAI.ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      },
      strict: true,
    },
  },
];

/** A 1x1 PNG as a data: URL, which every image-capable backend takes (Ollama only takes base64). */
const pixel =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

async function expect400(pending: Promise<unknown>, param: string) {
  const error = await pending.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
}

describe.each(all)('%s backend through the openai SDK', (backend) => {
  const model = backends[backend];

  it('tools round trip: call, tool result, answer', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Oslo' }];
    const first = await client.chat.completions.create({ model, messages, tools });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Oslo' });
    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '3C, snow' });
    const second = await client.chat.completions.create({ model, messages, tools });
    expect(second.choices[0]?.message.content).toBe('Echo: Tool said: 3C, snow');
    expect(second.choices[0]?.finish_reason).toBe('stop');
  });

  it('streams tool calls as indexed deltas the SDK reassembles', async () => {
    const runner = client.chat.completions.stream({
      model,
      messages: [{ role: 'user', content: 'Bergen' }],
      tools,
    });
    let deltas = 0;
    runner.on('chunk', (chunk) => {
      if (chunk.choices[0]?.delta.tool_calls) deltas += 1;
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Bergen' });
    expect(call.id.length).toBeGreaterThan(0);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(deltas).toBeGreaterThan(0);
  });

  const jsonSchema = backend !== 'deepseek';
  it(`chat.completions.parse() with a zod schema ${jsonSchema ? 'parses' : 'is a 400 naming response_format'}`, async () => {
    const Weather = z.object({ city: z.string(), degrees: z.number(), snow: z.boolean() });
    const pending = client.chat.completions.parse({
      model,
      messages: [{ role: 'user', content: 'Tromso' }],
      response_format: zodResponseFormat(Weather, 'weather'),
    });
    if (!jsonSchema) return expect400(pending, 'response_format');
    const parsed = await pending;
    expect(parsed.choices[0]?.message.parsed).toEqual({ city: 'Tromso', degrees: 42, snow: true });
  });

  const several = backend === 'openai';
  it(`n=2 ${several ? 'answers two choices' : 'is a 400 naming n'}`, async () => {
    const pending = client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'twice' }],
      n: 2,
    });
    if (!several) {
      await expect400(pending, 'n');
      // A stream is refused the same way, before its first byte.
      const stream = client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'twice' }],
        n: 2,
        stream: true,
      });
      return expect400(stream, 'n');
    }
    const answer = await pending;
    expect(answer.choices.map((c) => c.message.content)).toEqual(['Echo: twice', 'Echo: twice']);
  });

  const images = backend !== 'deepseek';
  it(`an image part ${images ? 'reaches the upstream' : 'is a 400 naming the part'}`, async () => {
    const pending = client.chat.completions.create({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: pixel } },
          ],
        },
      ],
    });
    if (!images) return expect400(pending, 'messages[0].content[1]');
    expect((await pending).choices[0]?.message.content).toBe('Echo: What is this? [1 image]');
  });
});

describe('stream fidelity', () => {
  it('no synthetic empty first chunk from Ollama; the upstream id and fingerprint kept from OpenAI', async () => {
    const ollama = await client.chat.completions.create({
      model: backends.ollama,
      messages: [{ role: 'user', content: 'hi there' }],
      stream: true,
    });
    const ollamaChunks = [];
    for await (const chunk of ollama) ollamaChunks.push(chunk);
    expect(ollamaChunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: 'Echo: ' });

    const openai = await client.chat.completions.create({
      model: backends.openai,
      messages: [{ role: 'user', content: 'hi there' }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of openai) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.filter((c) => c.choices[0]?.delta.content === '')).toHaveLength(1);
    expect(chunks[0]?.system_fingerprint).toBe('fp_sim0000001');
  });
});
