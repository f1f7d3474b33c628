/**
 * One translation table, tested both ways (issue 20, item 4): the same conversation (a system prompt, an image,
 * a tool call and its result, JSON-schema output, a stream) sent through each API surface (Chat Completions and
 * Responses with the `openai` SDK, Messages with `@anthropic-ai/sdk`) to each backend's simulator, against one
 * built gateway on e2e/fixtures/api-matrix.yaml. Each cell checks the answer and usage in its client's format,
 * the request the upstream received in its own wire, one telemetry record per request with the same usage, and
 * Server-Timing; a combination a backend documents as refused is that documented 400, and reaches no upstream.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import {
  type RecordedRequest,
  type Simulator,
  startAnthropicSimulator,
  startOllamaSimulator,
  startOpenAISimulator,
} from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { waitUntil } from './helpers/http.js';

const clientKey = 'e2e-api-matrix-client-key-5b2e9d';
const upstreamKeys = {
  openai: 'sk-e2e-matrix-openai-0123456789',
  deepseek: 'sk-e2e-matrix-deepseek-0123456789',
  groq: 'gsk_e2e_matrix_groq_0123456789',
  anthropic: 'sk-ant-e2e-matrix-0123456789',
};

type BackendName = 'openai' | 'deepseek' | 'groq' | 'ollama' | 'anthropic';
type SurfaceName = 'chat.completions' | 'responses' | 'messages';
type Feature = 'text' | 'image' | 'tools' | 'json' | 'stream';
type Wire = 'openai' | 'ollama' | 'anthropic';

interface BackendCase {
  backend: BackendName;
  model: string;
  wire: Wire;
  /** The upstream path the backend's SDK calls. */
  path: string;
}

const backends: BackendCase[] = [
  { backend: 'openai', model: 'gpt-4o-mini', wire: 'openai', path: '/v1/chat/completions' },
  { backend: 'deepseek', model: 'deepseek-chat', wire: 'openai', path: '/chat/completions' },
  { backend: 'groq', model: 'llama-3.1-8b-instant', wire: 'openai', path: '/openai/v1/chat/completions' },
  { backend: 'ollama', model: 'llama3.2', wire: 'ollama', path: '/api/chat' },
  { backend: 'anthropic', model: 'claude-sonnet-4-5', wire: 'anthropic', path: '/v1/messages' },
];
const surfaces: SurfaceName[] = ['chat.completions', 'responses', 'messages'];
const features: Feature[] = ['text', 'image', 'tools', 'json', 'stream'];

/** A documented refusal: the parameter an OpenAI client's error names, and what its message says. */
interface Refused {
  param: string;
  says: RegExp;
}

/**
 * What a backend documents it cannot do (its README's "400 unsupported_parameter" list): DeepSeek's chat API
 * has no image parts and no `json_schema` response format. Every other cell must answer.
 */
const refused: Partial<Record<BackendName, Partial<Record<Feature, Refused>>>> = {
  deepseek: {
    image: { param: 'messages[0].content[1]', says: /deepseek backend does not support image content parts/ },
    json: { param: 'response_format', says: /deepseek backend does not support json_schema/ },
  },
};

const system = 'Answer in one short line.';
const base64Png =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const dataUrl = `data:image/png;base64,${base64Png}`;
const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' }, temperature: { type: 'number' } },
  required: ['city', 'temperature'],
  additionalProperties: false,
};
const toolParameters = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};
const toolResult = '18C and sunny';

/** The simulators count tokens as words. */
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

let sims: Record<BackendName, Simulator>;
let gateway: Gateway;
let csvDir: string;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  const [openaiSim, deepseekSim, groqSim, ollamaSim, anthropicSim] = await Promise.all([
    startOpenAISimulator({ apiKey: upstreamKeys.openai, models: ['gpt-4o-mini'] }),
    startOpenAISimulator({ apiKey: upstreamKeys.deepseek, models: ['deepseek-chat'] }),
    startOpenAISimulator({ apiKey: upstreamKeys.groq, models: ['llama-3.1-8b-instant'] }),
    startOllamaSimulator({ models: ['llama3.2'] }),
    startAnthropicSimulator({
      apiKey: upstreamKeys.anthropic,
      models: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
    }),
  ]);
  sims = {
    openai: openaiSim,
    deepseek: deepseekSim,
    groq: groqSim,
    ollama: ollamaSim,
    anthropic: anthropicSim,
  };
  csvDir = await mkdtemp(join(tmpdir(), 'e2e-api-matrix-'));
  gateway = await startGateway({
    profile: 'e2e/fixtures/api-matrix.yaml',
    env: {
      OPENAI_API_KEY: upstreamKeys.openai,
      OPENAI_BASE_URL: `${openaiSim.url}/v1`,
      DEEPSEEK_API_KEY: upstreamKeys.deepseek,
      DEEPSEEK_BASE_URL: deepseekSim.url,
      GROQ_API_KEY: upstreamKeys.groq,
      GROQ_BASE_URL: groqSim.url,
      OLLAMA_HOST: ollamaSim.url,
      ANTHROPIC_API_KEY: upstreamKeys.anthropic,
      ANTHROPIC_BASE_URL: anthropicSim.url,
      GATEWAY_API_KEYS: clientKey,
      CSV_FALLBACK_DIR: csvDir,
    },
  });
  openai = new OpenAI({ apiKey: clientKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: clientKey, baseURL: gateway.url, maxRetries: 0 });
}, 60_000);

beforeEach(() => {
  for (const sim of Object.values(sims ?? {})) sim.reset();
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all(Object.values(sims ?? {}).map((sim) => sim.close()));
  if (csvDir) await rm(csvDir, { recursive: true, force: true });
});

/** One request as its client saw it: the request id, Server-Timing and usage in the client's own fields. */
interface Exchange {
  requestId: string;
  serverTiming: string | null;
  inputTokens: number;
  outputTokens: number;
}

/** What a cell's conversation ended with. */
interface Outcome {
  /** The final answer's text. */
  text: string;
  /** The tool call of the first turn (the tools cell). */
  toolCall?: { name: string; arguments: Record<string, unknown> };
  exchanges: Exchange[];
}

function header(headers: Headers, name: string): string {
  const value = headers.get(name);
  expect(value, `${name} header`).toBeTypeOf('string');
  return value as string;
}

function exchangeOf(headers: Headers, inputTokens: number, outputTokens: number): Exchange {
  return {
    requestId: header(headers, 'x-request-id'),
    serverTiming: headers.get('server-timing'),
    inputTokens,
    outputTokens,
  };
}

// ---- Chat Completions (openai SDK) ----

type ChatParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
const chatTools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'Weather in a city', parameters: toolParameters },
  },
];

async function chatOnce(
  params: ChatParams,
): Promise<{ message: OpenAI.Chat.ChatCompletionMessage; x: Exchange }> {
  const { data, response } = await openai.chat.completions.create(params).withResponse();
  expect(data.object).toBe('chat.completion');
  expect(data.model).toBe(params.model);
  const usage = data.usage!;
  expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  return {
    message: data.choices[0]!.message,
    x: exchangeOf(response.headers, usage.prompt_tokens, usage.completion_tokens),
  };
}

async function viaChat(feature: Feature, model: string, prompt: string): Promise<Outcome> {
  switch (feature) {
    case 'text': {
      const { message, x } = await chatOnce({
        model,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: prompt },
        ],
      });
      return { text: message.content ?? '', exchanges: [x] };
    }
    case 'image': {
      const { message, x } = await chatOnce({
        model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: prompt },
              { type: 'image_url', image_url: { url: dataUrl } },
            ],
          },
        ],
      });
      return { text: message.content ?? '', exchanges: [x] };
    }
    case 'tools': {
      const history: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: prompt }];
      const first = await chatOnce({ model, messages: history, tools: chatTools });
      const call = first.message.tool_calls?.[0];
      if (call?.type !== 'function')
        throw new Error(`no function tool call: ${JSON.stringify(first.message)}`);
      history.push(
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: toolResult },
      );
      const second = await chatOnce({ model, messages: history, tools: chatTools });
      return {
        text: second.message.content ?? '',
        toolCall: { name: call.function.name, arguments: JSON.parse(call.function.arguments) },
        exchanges: [first.x, second.x],
      };
    }
    case 'json': {
      const { message, x } = await chatOnce({
        model,
        messages: [{ role: 'user', content: prompt }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'weather', schema: weatherSchema, strict: true },
        },
      });
      return { text: message.content ?? '', exchanges: [x] };
    }
    case 'stream': {
      const { data, response } = await openai.chat.completions
        .create({
          model,
          messages: [{ role: 'user', content: prompt }],
          stream: true,
          stream_options: { include_usage: true },
        })
        .withResponse();
      let text = '';
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of data) {
        expect(chunk.object).toBe('chat.completion.chunk');
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      expect(finish).toBe('stop');
      expect(usage, 'the include_usage chunk').toBeDefined();
      return {
        text,
        exchanges: [exchangeOf(response.headers, usage!.prompt_tokens, usage!.completion_tokens)],
      };
    }
  }
}

// ---- Responses (openai SDK) ----

const responseTools: OpenAI.Responses.Tool[] = [
  {
    type: 'function',
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: toolParameters,
    strict: true,
  },
];

async function responseOnce(
  params: OpenAI.Responses.ResponseCreateParamsNonStreaming,
): Promise<{ data: OpenAI.Responses.Response; x: Exchange }> {
  const { data, response } = await openai.responses.create(params).withResponse();
  expect(data).toMatchObject({ object: 'response', status: 'completed', model: params.model });
  const usage = data.usage!;
  expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
  return { data, x: exchangeOf(response.headers, usage.input_tokens, usage.output_tokens) };
}

async function viaResponses(feature: Feature, model: string, prompt: string): Promise<Outcome> {
  switch (feature) {
    case 'text': {
      const { data, x } = await responseOnce({ model, instructions: system, input: prompt });
      return { text: data.output_text, exchanges: [x] };
    }
    case 'image': {
      const { data, x } = await responseOnce({
        model,
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: prompt },
              { type: 'input_image', image_url: dataUrl, detail: 'auto' },
            ],
          },
        ],
      });
      return { text: data.output_text, exchanges: [x] };
    }
    case 'tools': {
      const first = await responseOnce({ model, input: prompt, tools: responseTools });
      const call = first.data.output.find((item) => item.type === 'function_call');
      if (call?.type !== 'function_call')
        throw new Error(`no function_call: ${JSON.stringify(first.data.output)}`);
      const second = await responseOnce({
        model,
        previous_response_id: first.data.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: toolResult }],
        tools: responseTools,
      });
      return {
        text: second.data.output_text,
        toolCall: { name: call.name, arguments: JSON.parse(call.arguments) },
        exchanges: [first.x, second.x],
      };
    }
    case 'json': {
      const { data, x } = await responseOnce({
        model,
        input: prompt,
        text: { format: { type: 'json_schema', name: 'weather', schema: weatherSchema, strict: true } },
      });
      return { text: data.output_text, exchanges: [x] };
    }
    case 'stream': {
      const { data, response } = await openai.responses
        .create({ model, input: prompt, stream: true })
        .withResponse();
      let text = '';
      let completed: OpenAI.Responses.Response | undefined;
      const types: string[] = [];
      for await (const event of data) {
        types.push(event.type);
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.completed') completed = event.response;
      }
      expect(types[0]).toBe('response.created');
      expect(types.at(-1)).toBe('response.completed');
      if (!completed?.usage) throw new Error('response.completed carried no usage');
      const usage = completed.usage;
      return { text, exchanges: [exchangeOf(response.headers, usage.input_tokens, usage.output_tokens)] };
    }
  }
}

// ---- Messages (@anthropic-ai/sdk) ----

const messageTools: Anthropic.Tool[] = [
  {
    name: 'get_weather',
    description: 'Weather in a city',
    input_schema: toolParameters as Anthropic.Tool.InputSchema,
  },
];

async function messageOnce(
  params: Anthropic.MessageCreateParamsNonStreaming,
): Promise<{ data: Anthropic.Message; x: Exchange }> {
  const { data, response } = await anthropic.messages.create(params).withResponse();
  expect(data).toMatchObject({ type: 'message', role: 'assistant', model: params.model });
  expect(data.id).toMatch(/^msg_/);
  return { data, x: exchangeOf(response.headers, data.usage.input_tokens, data.usage.output_tokens) };
}

function textBlocks(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

async function viaMessages(feature: Feature, model: string, prompt: string): Promise<Outcome> {
  switch (feature) {
    case 'text': {
      const { data, x } = await messageOnce({
        model,
        max_tokens: 256,
        system,
        messages: [{ role: 'user', content: prompt }],
      });
      expect(data.stop_reason).toBe('end_turn');
      return { text: textBlocks(data), exchanges: [x] };
    }
    case 'image': {
      const { data, x } = await messageOnce({
        model,
        max_tokens: 256,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: prompt },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: base64Png } },
            ],
          },
        ],
      });
      return { text: textBlocks(data), exchanges: [x] };
    }
    case 'tools': {
      const history: Anthropic.MessageParam[] = [{ role: 'user', content: prompt }];
      const first = await messageOnce({ model, max_tokens: 256, messages: history, tools: messageTools });
      expect(first.data.stop_reason).toBe('tool_use');
      const use = first.data.content.find((block) => block.type === 'tool_use');
      if (use?.type !== 'tool_use')
        throw new Error(`no tool_use block: ${JSON.stringify(first.data.content)}`);
      history.push(
        { role: 'assistant', content: first.data.content as Anthropic.ContentBlockParam[] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: toolResult }] },
      );
      const second = await messageOnce({ model, max_tokens: 256, messages: history, tools: messageTools });
      expect(second.data.stop_reason).toBe('end_turn');
      return {
        text: textBlocks(second.data),
        toolCall: { name: use.name, arguments: use.input as Record<string, unknown> },
        exchanges: [first.x, second.x],
      };
    }
    case 'json': {
      const { data, x } = await messageOnce({
        model,
        max_tokens: 256,
        messages: [{ role: 'user', content: prompt }],
        output_config: { format: { type: 'json_schema', schema: weatherSchema } },
      });
      return { text: textBlocks(data), exchanges: [x] };
    }
    case 'stream': {
      const { data, response } = await anthropic.messages
        .create({ model, max_tokens: 256, messages: [{ role: 'user', content: prompt }], stream: true })
        .withResponse();
      let text = '';
      let inputTokens = 0;
      let outputTokens = 0;
      let stop: string | null = null;
      const types: string[] = [];
      for await (const event of data) {
        types.push(event.type);
        if (event.type === 'message_start') inputTokens = event.message.usage.input_tokens;
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
          text += event.delta.text;
        if (event.type === 'message_delta') {
          outputTokens = event.usage.output_tokens;
          inputTokens = event.usage.input_tokens ?? inputTokens;
          stop = event.delta.stop_reason;
        }
      }
      expect(types[0]).toBe('message_start');
      expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
      expect(stop).toBe('end_turn');
      return { text, exchanges: [exchangeOf(response.headers, inputTokens, outputTokens)] };
    }
  }
}

const drivers: Record<SurfaceName, (feature: Feature, model: string, prompt: string) => Promise<Outcome>> = {
  'chat.completions': viaChat,
  responses: viaResponses,
  messages: viaMessages,
};

// ---- The refusal, in each client's error format ----

interface Refusal {
  requestId: string;
  serverTiming: string | null;
}

async function expectRefused(
  surface: SurfaceName,
  run: Promise<Outcome>,
  expected: Refused,
): Promise<Refusal> {
  const error = await run.then(
    (outcome) => {
      throw new Error(`expected a 400, got an answer: ${JSON.stringify(outcome)}`);
    },
    (caught: unknown) => caught,
  );
  if (surface === 'messages') {
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const apiError = error as InstanceType<typeof Anthropic.BadRequestError>;
    expect(apiError.status).toBe(400);
    expect(apiError.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(apiError.message).toContain(`'${expected.param}'`);
    expect(apiError.message).toMatch(expected.says);
    return {
      requestId: header(apiError.headers, 'x-request-id'),
      serverTiming: apiError.headers.get('server-timing'),
    };
  }
  expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
  expect(apiError).toMatchObject({
    status: 400,
    type: 'invalid_request_error',
    code: 'unsupported_parameter',
  });
  expect(apiError.param).toBe(expected.param);
  expect(apiError.message).toMatch(expected.says);
  return {
    requestId: header(apiError.headers, 'x-request-id'),
    serverTiming: apiError.headers.get('server-timing'),
  };
}

// ---- What the upstream received ----

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: string; text?: unknown }) =>
      part.type === 'text' && typeof part.text === 'string' ? part.text : '',
    )
    .join('');
}

interface UpstreamMessage {
  role: string;
  content: unknown;
  images?: string[];
  tool_calls?: Array<{ id?: string; function: { name: string; arguments: unknown } }>;
  tool_call_id?: string;
}

/** Checks the translated request of a cell in the backend's own wire. */
function checkUpstream(
  surface: SurfaceName,
  backend: BackendCase,
  feature: Feature,
  prompt: string,
  seen: RecordedRequest[],
): void {
  const body = seen.at(-1)!.body as Record<string, unknown>;
  const messages = body.messages as UpstreamMessage[];
  expect(body.model).toBe(backend.model);
  if (backend.wire === 'anthropic') {
    expect(seen.at(-1)!.headers['x-api-key'] ?? seen.at(-1)!.headers.authorization).toContain(
      upstreamKeys.anthropic,
    );
    expect(typeof body.max_tokens).toBe('number');
  } else if (backend.wire === 'openai') {
    expect(seen.at(-1)!.headers.authorization).toBe(`Bearer ${upstreamKeys[backend.backend as 'openai']}`);
  }
  // The client's key never reaches an upstream.
  expect(JSON.stringify(seen.map((record) => record.headers))).not.toContain(clientKey);
  switch (feature) {
    case 'text':
      if (backend.wire === 'anthropic') {
        expect(contentText(body.system)).toBe(system);
        expect(messages.map((m) => [m.role, contentText(m.content)])).toEqual([['user', prompt]]);
      } else {
        expect(messages.map((m) => [m.role, contentText(m.content)])).toEqual([
          ['system', system],
          ['user', prompt],
        ]);
      }
      break;
    case 'image': {
      const [user] = messages;
      expect(messages).toHaveLength(1);
      expect(contentText(user!.content) || user!.content).toBe(prompt);
      if (backend.wire === 'openai') {
        expect(user!.content).toContainEqual({
          type: 'image_url',
          image_url: expect.objectContaining({ url: dataUrl }),
        });
      } else if (backend.wire === 'ollama') {
        expect(user!.images).toEqual([base64Png]);
      } else {
        expect(user!.content).toContainEqual({
          type: 'image',
          source: { type: 'base64', media_type: 'image/png', data: base64Png },
        });
      }
      break;
    }
    case 'tools': {
      expect(seen).toHaveLength(2);
      const tools = body.tools as Array<Record<string, unknown>>;
      if (backend.wire === 'anthropic') {
        expect(tools).toMatchObject([{ name: 'get_weather', input_schema: { type: 'object' } }]);
        expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
        expect(messages[1]!.content).toMatchObject([{ type: 'tool_use', name: 'get_weather' }]);
        const [result] = messages[2]!.content as Array<{
          type: string;
          tool_use_id: string;
          content: unknown;
        }>;
        expect(result).toMatchObject({
          type: 'tool_result',
          tool_use_id: (messages[1]!.content as [{ id: string }])[0].id,
        });
        expect(contentText(result!.content)).toBe(toolResult);
      } else {
        expect(tools).toMatchObject([{ type: 'function', function: { name: 'get_weather' } }]);
        expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
        expect(messages[1]!.tool_calls).toMatchObject([{ function: { name: 'get_weather' } }]);
        expect(contentText(messages[2]!.content)).toBe(toolResult);
        const callId = messages[1]?.tool_calls?.[0]?.id;
        if (backend.wire === 'openai') expect(messages[2]?.tool_call_id).toBe(callId);
      }
      break;
    }
    case 'json':
      if (backend.wire === 'openai') {
        // A Messages client's output_config.format has no name: the surface calls it `output`.
        const name = surface === 'messages' ? 'output' : 'weather';
        expect(body.response_format).toMatchObject({
          type: 'json_schema',
          json_schema: { name, schema: weatherSchema },
        });
      } else if (backend.wire === 'ollama') {
        expect(body.format).toEqual(weatherSchema);
      } else if (body.output_config !== undefined) {
        // The Messages surface's client body, sent on as it came (backend-anthropic's native path).
        expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: weatherSchema } });
      } else {
        // Normalized requests: a forced `json_response` tool whose input schema is the format's.
        expect(body.tools).toMatchObject([{ name: 'json_response', input_schema: weatherSchema }]);
        expect(body.tool_choice).toMatchObject({ type: 'tool', name: 'json_response' });
      }
      break;
    case 'stream':
      expect(seen.at(-1)!.stream).toBe(true);
      expect(body.stream).toBe(true);
      break;
  }
}

// ---- Telemetry (sink-csv, read back) ----

/** Parses RFC 4180 CSV (quoted cells may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  if (cell || row.length > 0) rows.push([...row, cell]);
  return rows;
}

async function telemetryRows(): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  for (const name of (await readdir(csvDir)).filter((file) => file.endsWith('.csv'))) {
    const [columns, ...rows] = parseCsv(await readFile(join(csvDir, name), 'utf8'));
    for (const row of rows) out.push(Object.fromEntries(columns!.map((column, i) => [column, row[i] ?? ''])));
  }
  return out;
}

/** Waits for the record of each request id and returns them, one per id. */
async function recordsOf(ids: string[]): Promise<Record<string, string>[]> {
  let rows: Record<string, string>[] = [];
  await waitUntil(
    async () => {
      rows = (await telemetryRows()).filter((row) => ids.includes(row.request_id!));
      return ids.every((id) => rows.some((row) => row.request_id === id));
    },
    `telemetry records of ${ids.join(', ')}`,
    10_000,
  );
  expect(rows.map((row) => row.request_id).sort()).toEqual([...ids].sort());
  return ids.map((id) => rows.find((row) => row.request_id === id)!);
}

const serverTimingAnswered = /^gateway;dur=\d+(\.\d+)?, upstream;dur=\d+(\.\d+)?$/;

// ---- The matrix ----

async function cell(surface: SurfaceName, backend: BackendCase, feature: Feature): Promise<void> {
  const prompt = `Matrix ${feature} from ${surface} to ${backend.backend}`;
  const run = drivers[surface](feature, backend.model, prompt);
  const documented = refused[backend.backend]?.[feature];

  if (documented) {
    const refusal = await expectRefused(surface, run, documented);
    // The backend refuses inside its attempt, before any HTTP: that attempt is the `upstream` time.
    expect(refusal.serverTiming).toMatch(/^gateway;dur=\d+(\.\d+)?(, upstream;dur=\d+(\.\d+)?)?$/);
    for (const sim of Object.values(sims)) expect(sim.requests).toEqual([]);
    const [record] = await recordsOf([refusal.requestId]);
    expect(record).toMatchObject({
      surface: surface === 'messages' ? 'anthropic' : 'openai',
      endpoint: surface,
      status_code: '400',
    });
    return;
  }

  const outcome = await run;
  // The answer, in each client's own format (read by the drivers).
  switch (feature) {
    case 'text':
    case 'stream':
      expect(outcome.text).toBe(`Echo: ${prompt}`);
      break;
    case 'image':
      expect(outcome.text).toBe(`Echo: ${prompt} [1 image]`);
      break;
    case 'tools':
      expect(outcome.toolCall).toEqual({ name: 'get_weather', arguments: { city: prompt } });
      expect(outcome.text).toBe(`Echo: Tool said: ${toolResult}`);
      break;
    case 'json':
      expect(JSON.parse(outcome.text)).toEqual({ city: prompt, temperature: 42 });
      break;
  }

  // Usage: the upstream's counts (words), carried into the client's fields.
  const last = outcome.exchanges.at(-1)!;
  if (feature !== 'json') expect(last.outputTokens).toBe(words(outcome.text));
  if (feature === 'text') expect(last.inputTokens).toBe(words(system) + words(prompt));
  for (const exchange of outcome.exchanges) {
    expect(exchange.inputTokens).toBeGreaterThan(0);
    expect(exchange.outputTokens).toBeGreaterThan(0);
    expect(exchange.serverTiming).toMatch(serverTimingAnswered);
  }

  // The upstream received the translated request, and no other upstream received anything.
  const seen = sims[backend.backend].requests.filter((record) => record.path === backend.path);
  expect(seen).toHaveLength(outcome.exchanges.length);
  for (const [name, sim] of Object.entries(sims)) {
    if (name !== backend.backend) expect(sim.requests, name).toEqual([]);
  }
  checkUpstream(surface, backend, feature, prompt, seen);

  // One telemetry record per request, with its surface, endpoint, backend and the client's usage.
  const records = await recordsOf(outcome.exchanges.map((exchange) => exchange.requestId));
  records.forEach((record, i) => {
    const exchange = outcome.exchanges[i]!;
    expect(record).toMatchObject({
      surface: surface === 'messages' ? 'anthropic' : 'openai',
      endpoint: surface,
      status_code: '200',
      target_service: backend.backend,
      model: backend.model,
      prompt_tokens: String(exchange.inputTokens),
      completion_tokens: String(exchange.outputTokens),
      total_tokens: String(exchange.inputTokens + exchange.outputTokens),
    });
  });
}

describe.each(surfaces)('%s surface', (surface) => {
  describe.each(backends)('to $backend ($model)', (backend) => {
    it.each(features)('%s', (feature) => cell(surface, backend, feature));
  });
});

/** The shipped profiles wire Claude and the Messages API the same way: one check each, with the SDKs. */
describe.each([
  { profile: 'configs/default.yaml', env: {} },
  {
    profile: 'configs/all-surfaces.yaml',
    env: { TOKEN_SECRET: 'e2e-api-matrix-token-secret-0123456789abcdef' },
  },
])('$profile', ({ profile, env }) => {
  let shipped: Gateway;

  beforeAll(async () => {
    shipped = await startGateway({
      profile,
      env: {
        ...env,
        ANTHROPIC_API_KEY: upstreamKeys.anthropic,
        ANTHROPIC_BASE_URL: sims.anthropic.url,
        GATEWAY_API_KEYS: clientKey,
      },
    });
  }, 30_000);

  afterAll(async () => {
    await shipped?.stop();
  });

  it('serves claude-haiku-4-5 to a Messages client (x-api-key) and claude-sonnet-4-5 to a Chat Completions one', async () => {
    const messages = new Anthropic({ apiKey: clientKey, baseURL: shipped.url, maxRetries: 0 });
    const message = await messages.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: `Hello from ${profile}` }],
    });
    expect(message.content).toEqual([{ type: 'text', text: `Echo: Hello from ${profile}` }]);
    expect(sims.anthropic.lastRequest('/v1/messages')?.body).toMatchObject({ model: 'claude-haiku-4-5' });

    const chat = new OpenAI({ apiKey: clientKey, baseURL: `${shipped.url}/v1`, maxRetries: 0 });
    const completion = await chat.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Hello Claude' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: Hello Claude');
    // The profile's defaultMaxTokens (ANTHROPIC_DEFAULT_MAX_TOKENS, 4096) fills the max_tokens Claude requires.
    expect(sims.anthropic.lastRequest('/v1/messages')?.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
    });

    const stranger = new Anthropic({
      apiKey: 'e2e-api-matrix-wrong-key-0123',
      baseURL: shipped.url,
      maxRetries: 0,
    });
    await expect(
      stranger.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });
});
