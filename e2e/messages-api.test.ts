/**
 * The Anthropic Messages API end to end: the built `gateway` process on e2e/fixtures/messages-api.yaml (the
 * OpenAI and Anthropic surfaces sharing one API-key scheme), the OpenAI and Ollama simulators upstream,
 * driven by the official `@anthropic-ai/sdk`.
 */
import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { type Simulator, startOllamaSimulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, simulatedBackendsEnv, startGateway } from './helpers/gateway.js';
import { requestsFor } from './helpers/http.js';

const keys = {
  openai: 'sk-e2e-openai-0123456789abcdef',
  deepseek: 'sk-e2e-deepseek-0123456789abcdef',
  groq: 'gsk_e2e_groq_0123456789abcdef',
};
const clientKey = 'e2e-anthropic-client-key-7c1f0a';

let openaiSim: Simulator;
let ollamaSim: Simulator;
let gateway: Gateway;
let client: Anthropic;

beforeAll(async () => {
  openaiSim = await startOpenAISimulator();
  ollamaSim = await startOllamaSimulator();
  gateway = await startGateway({
    profile: 'e2e/fixtures/messages-api.yaml',
    env: {
      ...simulatedBackendsEnv(keys, { openai: openaiSim, ollama: ollamaSim }),
      GATEWAY_API_KEYS: clientKey,
    },
  });
  client = new Anthropic({ apiKey: clientKey, baseURL: gateway.url, maxRetries: 0 });
});

afterEach(() => {
  openaiSim.reset();
  ollamaSim.reset();
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([openaiSim?.close(), ollamaSim?.close()]);
});

const backends = [
  { model: 'gpt-4o-mini', sim: () => openaiSim, path: '/v1/chat/completions' },
  { model: 'llama3.2', sim: () => ollamaSim, path: '/api/chat' },
];

describe('messages.create on every backend', () => {
  for (const backend of backends) {
    it(`${backend.model}: a JSON Message and a stream, with usage`, async () => {
      const prompt = `Hello ${backend.model} through the Messages API`;
      const { data, response } = await client.messages
        .create({ model: backend.model, max_tokens: 64, messages: [{ role: 'user', content: prompt }] })
        .withResponse();
      expect(data).toMatchObject({
        type: 'message',
        role: 'assistant',
        model: backend.model,
        content: [{ type: 'text', text: `Echo: ${prompt}` }],
        stop_reason: 'end_turn',
      });
      expect(data.usage.input_tokens).toBeGreaterThan(0);
      expect(data.usage.output_tokens).toBeGreaterThan(0);
      expect(response.headers.get('server-timing')).toMatch(/^gateway;dur=/);
      const seen = requestsFor(backend.sim(), prompt);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.path).toBe(backend.path);
      // The gateway sends its own provider key upstream, never the client's.
      expect(JSON.stringify(seen[0]!.headers)).not.toContain(clientKey);

      const streamed = `Stream ${backend.model} please`;
      const stream = client.messages.stream({
        model: backend.model,
        max_tokens: 64,
        messages: [{ role: 'user', content: streamed }],
      });
      const types: string[] = [];
      stream.on('streamEvent', (event) => types.push(event.type));
      const final = await stream.finalMessage();
      expect(final.content).toEqual([{ type: 'text', text: `Echo: ${streamed}` }]);
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.output_tokens).toBeGreaterThan(0);
      expect(types[0]).toBe('message_start');
      expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    });
  }
});

describe('the rest of the Messages API', () => {
  const tools: Anthropic.Tool[] = [
    {
      name: 'get_weather',
      description: 'Weather in a city',
      input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ];

  it('round-trips a tool call (stream for the call, JSON for the answer)', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Lisbon' }];
    const call = await client.messages
      .stream({ model: 'gpt-4o', max_tokens: 64, messages, tools })
      .finalMessage();
    expect(call.stop_reason).toBe('tool_use');
    const use = call.content.find((block) => block.type === 'tool_use') as Anthropic.ToolUseBlock;
    expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Lisbon' } });
    messages.push(
      { role: 'assistant', content: call.content as Anthropic.ContentBlockParam[] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'Sunny, 24C' }] },
    );
    const answer = await client.messages.create({ model: 'gpt-4o', max_tokens: 64, messages, tools });
    expect(answer.content).toEqual([{ type: 'text', text: 'Echo: Tool said: Sunny, 24C' }]);
    expect(answer.stop_reason).toBe('end_turn');
  });

  it('sends an image block upstream', async () => {
    const message = await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'text', text: 'Describe the picture' },
          ],
        },
      ],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: Describe the picture [1 image]' }]);
  });

  it('counts tokens without calling upstream', async () => {
    const counted = await client.messages.countTokens({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(openaiSim.requests).toHaveLength(0);
  });

  it("lists models in Anthropic's shape, while OpenAI clients still get the OpenAI list", async () => {
    const first = await client.models.list({ limit: 1 });
    expect(first.data).toHaveLength(1);
    expect(first.has_more).toBe(true);
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toEqual(expect.arrayContaining(['gpt-4o-mini', 'llama3.2']));
    expect(page.data[0]).toEqual({
      type: 'model',
      id: expect.any(String),
      display_name: expect.any(String),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const openai = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${clientKey}` },
    });
    expect(((await openai.json()) as { object: string }).object).toBe('list');
  });

  it('surfaces a wrong key as AuthenticationError and a missing max_tokens as BadRequestError', async () => {
    const wrong = new Anthropic({ apiKey: 'e2e-wrong-key-0123456789', baseURL: gateway.url, maxRetries: 0 });
    const denied = await wrong.messages
      .create({ model: 'gpt-4o-mini', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((denied as APIError).type).toBe('authentication_error');

    const bad = await client.messages
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect((bad as APIError).type).toBe('invalid_request_error');
    expect((bad as APIError).apiMessage).toBe('max_tokens: Field required');
    expect(openaiSim.requests).toHaveLength(0);
    expect(await gateway.writtenLogs()).not.toContain('e2e-wrong-key-0123456789');
  });

  it('documents /v1/messages in /openapi.json, leaving GET /v1/models to the OpenAI surface', async () => {
    const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    expect(doc.paths['/v1/messages']?.post?.tags).toEqual(['anthropic']);
    expect(doc.paths['/v1/messages/count_tokens']?.post).toBeDefined();
    expect(doc.paths['/v1/models']?.get?.tags).toEqual(['openai']);
  });

  it('counts Messages requests in the metrics under their own endpoint', async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).toMatch(
      /gateway_requests_total\{surface="anthropic",endpoint="messages",backend="openai",status="200"\}/,
    );
    expect(text).toMatch(/endpoint="messages.count_tokens"/);
    expect(gateway.child.exitCode).toBeNull();
  });
});
