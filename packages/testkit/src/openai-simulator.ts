/** An upstream that speaks the OpenAI chat-completions wire format under `/v1`, `` (DeepSeek) and `/openai/v1` (Groq). */
import { randomBytes } from 'node:crypto';
import { answerOpenAIEmbeddings } from './embeddings-simulation.js';
import { defaultReply, planReply, promptTokensOf, type SimulatedReply, stopList } from './reply.js';
import { featureReply, plannedToolCall } from './sim-chat-features.js';
import {
  type Exchange,
  type SimRequestBody,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from './simulator.js';

export const defaultOpenAIModels = [
  'gpt-4o-mini',
  'gpt-4o',
  'deepseek-chat',
  'llama-3.1-8b-instant',
] as const;

const systemFingerprint = 'fp_sim0000001';
const route = /^(\/v1|\/openai\/v1)?\/(chat\/completions|embeddings|models)(?:\/([^/]+))?\/?$/;

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAIError(
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

/** The error body OpenAI sends for a status, used for injected faults without a body. */
export function openAIErrorForStatus(status: number, message: string): OpenAIErrorBody {
  if (status === 429) return openAIError(message, 'requests', 'rate_limit_exceeded');
  if (status === 401) return openAIError(message, 'invalid_request_error', 'invalid_api_key');
  if (status === 404) return openAIError(message, 'invalid_request_error', 'not_found');
  if (status >= 500) return openAIError(message, 'server_error');
  return openAIError(message, 'invalid_request_error');
}

function id(prefix: string): string {
  return prefix + randomBytes(15).toString('base64url');
}

function usageOf(reply: SimulatedReply) {
  return {
    prompt_tokens: reply.promptTokens,
    completion_tokens: reply.completionTokens,
    total_tokens: reply.totalTokens,
  };
}

/** OpenAI's logprobs object for some tokens (fixed values: the simulator has no model). */
function tokenLogprobs(tokens: string[]) {
  const entry = (token: string) => ({ token, logprob: -0.25, bytes: [...Buffer.from(token)] });
  return {
    content: tokens.map((token) => ({ ...entry(token), top_logprobs: [entry(token)] })),
    refusal: null,
  };
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function startOpenAISimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const models = options.models ?? [...defaultOpenAIModels];
  const created = Math.floor(Date.now() / 1000);

  function authorized(exchange: Exchange): boolean {
    if (!options.apiKey) return true;
    const header = exchange.req.headers.authorization ?? '';
    if (header === `Bearer ${options.apiKey}`) return true;
    const message = header
      ? 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.'
      : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
    exchange.sendJson(401, openAIError(message, 'invalid_request_error', 'invalid_api_key'));
    return false;
  }

  function listModels(exchange: Exchange, modelId: string | undefined): void {
    const entry = (model: string) => ({ id: model, object: 'model', created, owned_by: 'system' });
    if (modelId === undefined) {
      exchange.sendJson(200, { object: 'list', data: models.map(entry) });
    } else if (models.includes(modelId)) {
      exchange.sendJson(200, entry(modelId));
    } else {
      exchange.sendJson(
        404,
        openAIError(
          `The model '${modelId}' does not exist`,
          'invalid_request_error',
          'model_not_found',
          'model',
        ),
      );
    }
  }

  async function chat(exchange: Exchange, groq: boolean): Promise<void> {
    if (exchange.bodyInvalid || !exchange.body || typeof exchange.body !== 'object') {
      exchange.sendJson(
        400,
        openAIError(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          'invalid_request_error',
        ),
      );
      return;
    }
    const body = exchange.body as SimRequestBody;
    if (typeof body.model !== 'string' || body.model === '') {
      exchange.sendJson(
        400,
        openAIError('you must provide a model parameter', 'invalid_request_error', null, 'model'),
      );
      return;
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      exchange.sendJson(
        400,
        openAIError(
          "Invalid 'messages': empty array. Expected an array with minimum length 1.",
          'invalid_request_error',
          'empty_array',
          'messages',
        ),
      );
      return;
    }
    if (options.models && !options.models.includes(body.model)) {
      exchange.sendJson(
        404,
        openAIError(
          `The model \`${body.model}\` does not exist or you do not have access to it.`,
          'invalid_request_error',
          'model_not_found',
        ),
      );
      return;
    }
    const toolCall = plannedToolCall(body);
    const argumentsText = toolCall ? JSON.stringify(toolCall.arguments) : '';
    const replyText = (options.reply ?? ((b) => featureReply(b, 'openai') ?? defaultReply(b)))(body);
    const reply = planReply(toolCall ? argumentsText : replyText, {
      stop: toolCall ? undefined : stopList(body['stop']),
      maxTokens: positive(body['max_completion_tokens']) ?? positive(body['max_tokens']),
      promptTokens: promptTokensOf(body),
    });
    exchange.record.reply = reply;
    const completionId = id('chatcmpl-');
    const createdAt = Math.floor(Date.now() / 1000);
    const model = body.model;
    const n = Math.max(1, Math.floor(positive(body['n']) ?? 1));
    const indexes = Array.from({ length: n }, (_, index) => index);
    const logprobs = body['logprobs'] === true;
    const callId = id('call_');
    const finishReason = toolCall ? 'tool_calls' : reply.finishReason;
    const message = toolCall
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: callId, type: 'function', function: { name: toolCall.name, arguments: argumentsText } },
          ],
          refusal: null,
          annotations: [],
        }
      : { role: 'assistant', content: reply.text, refusal: null, annotations: [] };

    if (body['stream'] !== true) {
      exchange.sendJson(200, {
        id: completionId,
        object: 'chat.completion',
        created: createdAt,
        model,
        choices: indexes.map((index) => ({
          index,
          message,
          logprobs: logprobs && !toolCall ? tokenLogprobs(reply.pieces) : null,
          finish_reason: finishReason,
        })),
        ...(options.omitUsage
          ? {}
          : {
              usage: {
                ...usageOf(reply),
                prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
                completion_tokens_details: {
                  reasoning_tokens: 0,
                  audio_tokens: 0,
                  accepted_prediction_tokens: 0,
                  rejected_prediction_tokens: 0,
                },
              },
            }),
        service_tier: 'default',
        system_fingerprint: systemFingerprint,
      });
      return;
    }

    const streamOptions = body['stream_options'] as { include_usage?: unknown } | undefined;
    const includeUsage = streamOptions?.include_usage === true && !options.omitUsage;
    const groqId = id('req_');
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => {
      const payload: Record<string, unknown> = {
        id: completionId,
        object: 'chat.completion.chunk',
        created: createdAt,
        model,
        service_tier: 'default',
        system_fingerprint: systemFingerprint,
        choices,
        ...extra,
      };
      if (includeUsage && !('usage' in payload)) payload['usage'] = null;
      return `data: ${JSON.stringify(payload)}\n\n`;
    };
    const choice = (
      delta: Record<string, unknown>,
      finish: string | null = null,
      index = 0,
      piece?: string,
    ) => ({
      index,
      delta,
      logprobs: logprobs && piece !== undefined ? tokenLogprobs([piece]) : null,
      finish_reason: finish,
    });
    const call = (fn: Record<string, string>, head: boolean) => ({
      tool_calls: [{ index: 0, ...(head ? { id: callId, type: 'function' } : {}), function: fn }],
    });

    exchange.startStream('text/event-stream; charset=utf-8');
    for (const index of indexes) {
      const opening = toolCall
        ? // Groq sends a whole call in one delta; OpenAI and DeepSeek open it, then stream its arguments.
          {
            role: 'assistant',
            content: null,
            ...call({ name: toolCall.name, arguments: groq ? argumentsText : '' }, true),
          }
        : { role: 'assistant', content: '', refusal: null };
      const first = chunk([choice(opening, null, index)], groq ? { x_groq: { id: groqId } } : {});
      if (!(await exchange.writeChunk(first))) return;
    }
    // Arguments stream in small fragments, as models write them token by token.
    const argumentPieces = argumentsText.match(/.{1,4}/gs) ?? [];
    for (const piece of toolCall ? (groq ? [] : argumentPieces) : reply.pieces) {
      for (const index of indexes) {
        const delta = toolCall ? call({ arguments: piece }, false) : { content: piece };
        if (!(await exchange.writeChunk(chunk([choice(delta, null, index, toolCall ? undefined : piece)]))))
          return;
      }
    }
    for (const index of indexes.slice(1)) {
      if (!(await exchange.writeChunk(chunk([choice({}, finishReason, index)])))) return;
    }
    const finishExtra = groq
      ? {
          x_groq: {
            id: groqId,
            usage: {
              queue_time: 0.0001,
              prompt_time: 0.0001,
              completion_time: 0.001,
              total_time: 0.0012,
              ...usageOf(reply),
            },
          },
        }
      : {};
    if (!(await exchange.writeChunk(chunk([choice({}, finishReason)], finishExtra)))) return;
    if (includeUsage && !(await exchange.writeChunk(chunk([], { usage: usageOf(reply) })))) return;
    if (!(await exchange.writeChunk('data: [DONE]\n\n'))) return;
    exchange.endStream();
  }

  return startSimulator(
    {
      kind: 'openai',
      errorBody: openAIErrorForStatus,
      async handle(exchange) {
        const match = route.exec(exchange.path);
        const resource = match?.[2];
        const known =
          (resource === 'chat/completions' && exchange.method === 'POST' && match?.[3] === undefined) ||
          // Only OpenAI's own path serves embeddings: DeepSeek and Groq offer none.
          (resource === 'embeddings' && exchange.method === 'POST' && match?.[1] === '/v1' && !match[3]) ||
          (resource === 'models' && exchange.method === 'GET');
        if (!match || !known) {
          exchange.sendJson(
            404,
            openAIError(
              `Invalid URL (${exchange.method} ${exchange.path})`,
              'invalid_request_error',
              'unknown_url',
            ),
          );
          return;
        }
        if (!authorized(exchange)) return;
        if (resource === 'embeddings')
          answerOpenAIEmbeddings(exchange, options.models, options.embeddingsAsFloats);
        else if (resource === 'models')
          listModels(exchange, match[3] ? decodeURIComponent(match[3]) : undefined);
        else await chat(exchange, match[1] === '/openai/v1');
      },
    },
    options,
  );
}
