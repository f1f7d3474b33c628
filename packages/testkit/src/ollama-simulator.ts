/** An upstream that speaks Ollama's native API: `/api/chat`, `/api/generate` (NDJSON streams), `/api/tags`, `/api/version`. */
import { createHash } from 'node:crypto';
import { answerOllamaEmbed } from './embeddings-simulation.js';
import { defaultReply, planReply, promptTokensOf, type SimulatedReply, stopList } from './reply.js';
import { featureReply, plannedToolCall } from './sim-chat-features.js';
import {
  type Exchange,
  type SimRequestBody,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from './simulator.js';

export const defaultOllamaModels = ['llama3.2:latest', 'qwen2.5:0.5b', 'mistral:latest'] as const;
export const ollamaVersion = '0.12.6';

/** Ollama names without a tag mean `:latest`. */
export function normalizeOllamaModel(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

export function ollamaError(message: string): { error: string } {
  return { error: message };
}

const modifiedAt = '2025-01-01T00:00:00.000000000Z';

function tag(name: string) {
  const model = normalizeOllamaModel(name);
  const family = model.split(/[:.\d]/)[0] || 'llama';
  return {
    name: model,
    model,
    modified_at: modifiedAt,
    size: 1_000_000_000 + (createHash('sha256').update(model).digest().readUInt32BE(0) % 1_000_000_000),
    digest: createHash('sha256').update(model).digest('hex'),
    details: {
      parent_model: '',
      format: 'gguf',
      family,
      families: [family],
      parameter_size: '3.2B',
      quantization_level: 'Q4_K_M',
    },
  };
}

/** Nanosecond counters derived from the token counts, so they are deterministic. */
function counters(reply: SimulatedReply) {
  const loadDuration = 1_000_000;
  const promptEvalDuration = 2_000_000 * Math.max(1, reply.promptTokens);
  const evalDuration = 10_000_000 * Math.max(1, reply.completionTokens);
  return {
    total_duration: loadDuration + promptEvalDuration + evalDuration,
    load_duration: loadDuration,
    prompt_eval_count: reply.promptTokens,
    prompt_eval_duration: promptEvalDuration,
    eval_count: reply.completionTokens,
    eval_duration: evalDuration,
  };
}

function numberOption(options: unknown, key: string): number | undefined {
  const value =
    options && typeof options === 'object' ? (options as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function startOllamaSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const models = options.models ?? [...defaultOllamaModels];
  const allowed = options.models ? new Set(options.models.map(normalizeOllamaModel)) : undefined;

  async function complete(exchange: Exchange, kind: 'chat' | 'generate'): Promise<void> {
    if (exchange.bodyInvalid || !exchange.body || typeof exchange.body !== 'object') {
      exchange.sendJson(400, ollamaError('invalid character in request body: expected a JSON object'));
      return;
    }
    const body = exchange.body as SimRequestBody;
    if (typeof body.model !== 'string' || body.model === '') {
      exchange.sendJson(400, ollamaError('model is required'));
      return;
    }
    if (kind === 'chat' && body.messages !== undefined && !Array.isArray(body.messages)) {
      exchange.sendJson(400, ollamaError('json: cannot unmarshal messages: expected an array'));
      return;
    }
    if (allowed && !allowed.has(normalizeOllamaModel(body.model))) {
      exchange.sendJson(404, ollamaError(`model "${body.model}" not found, try pulling it first`));
      return;
    }
    const model = body.model;
    const stream = body['stream'] !== false;
    const createdAt = () => new Date().toISOString();
    const empty = kind === 'chat' ? (body.messages ?? []).length === 0 : !body.prompt;
    // An empty request only loads the model, as Ollama does.
    if (empty) {
      const loaded = {
        model,
        created_at: createdAt(),
        ...(kind === 'chat' ? { message: { role: 'assistant', content: '' } } : { response: '' }),
        done_reason: 'load',
        done: true,
      };
      if (stream) {
        exchange.startStream('application/x-ndjson');
        if (await exchange.writeChunk(`${JSON.stringify(loaded)}\n`)) exchange.endStream();
      } else {
        exchange.sendJson(200, loaded);
      }
      return;
    }
    const toolCall = kind === 'chat' ? plannedToolCall(body) : undefined;
    const replyText = (options.reply ?? ((b) => featureReply(b, 'ollama') ?? defaultReply(b)))(body);
    // A tool call's arguments count as its completion tokens.
    const reply = planReply(toolCall ? JSON.stringify(toolCall.arguments) : replyText, {
      stop: toolCall ? undefined : stopList((body['options'] as { stop?: unknown } | undefined)?.stop),
      maxTokens: numberOption(body['options'], 'num_predict'),
      promptTokens: promptTokensOf(body),
    });
    exchange.record.reply = reply;
    const toolCalls = toolCall ? [{ function: { name: toolCall.name, arguments: toolCall.arguments } }] : [];
    const content = (text: string, calls: unknown[] = []) =>
      kind === 'chat'
        ? {
            message: { role: 'assistant', content: text, ...(calls.length > 0 ? { tool_calls: calls } : {}) },
          }
        : { response: text };
    const final = (text: string) => ({
      model,
      created_at: createdAt(),
      ...content(text),
      done: true,
      done_reason: reply.finishReason,
      ...(kind === 'generate' ? { context: Array.from({ length: reply.totalTokens }, (_, i) => i + 1) } : {}),
      ...counters(reply),
    });

    if (toolCall) {
      // Ollama answers a tool call whole: no content, the call in one message, then the done line.
      const called = { ...final(''), ...content('', toolCalls) };
      if (!stream) {
        exchange.sendJson(200, called);
        return;
      }
      exchange.startStream('application/x-ndjson');
      const line = { model, created_at: createdAt(), ...content('', toolCalls), done: false };
      if (!(await exchange.writeChunk(`${JSON.stringify(line)}\n`))) return;
      if (!(await exchange.writeChunk(`${JSON.stringify(final(''))}\n`))) return;
      exchange.endStream();
      return;
    }
    if (!stream) {
      exchange.sendJson(200, final(reply.text));
      return;
    }
    exchange.startStream('application/x-ndjson');
    for (const piece of reply.pieces) {
      const line = { model, created_at: createdAt(), ...content(piece), done: false };
      if (!(await exchange.writeChunk(`${JSON.stringify(line)}\n`))) return;
    }
    if (!(await exchange.writeChunk(`${JSON.stringify(final(''))}\n`))) return;
    exchange.endStream();
  }

  return startSimulator(
    {
      kind: 'ollama',
      errorBody: (_status, message) => ollamaError(message),
      async handle(exchange) {
        const { method, path } = exchange;
        if (path === '/' && (method === 'GET' || method === 'HEAD')) {
          exchange.sendText(200, 'Ollama is running');
          return;
        }
        if (options.apiKey && exchange.req.headers.authorization !== `Bearer ${options.apiKey}`) {
          exchange.sendJson(401, ollamaError('unauthorized'));
          return;
        }
        if (method === 'POST' && path === '/api/chat') return complete(exchange, 'chat');
        if (method === 'POST' && path === '/api/generate') return complete(exchange, 'generate');
        if (method === 'POST' && path === '/api/embed') return answerOllamaEmbed(exchange, models);
        if (method === 'GET' && path === '/api/tags') {
          exchange.sendJson(200, { models: models.map(tag) });
          return;
        }
        if (method === 'GET' && path === '/api/version') {
          exchange.sendJson(200, { version: ollamaVersion });
          return;
        }
        if (method === 'GET' && path === '/api/ps') {
          exchange.sendJson(200, { models: [] });
          return;
        }
        exchange.sendText(404, '404 page not found');
      },
    },
    options,
  );
}
