/** Ollama's /api/chat wire format and its mapping to normalized types. */
import { randomUUID } from 'node:crypto';
import type { ChatFeature } from '@llm-gateway/plugin-kit';
import {
  type ChatRequest,
  type ChatResult,
  emptyUsage,
  type FinishReason,
  GatewayError,
  type Message,
  type ToolCall,
  type Usage,
} from '@llm-gateway/spec';
import type {
  ChatRequest as OllamaChatRequest,
  Message as OllamaMessage,
  Options as OllamaOptions,
  ToolCall as OllamaToolCall,
} from 'ollama';

/**
 * What Ollama's /api/chat cannot do: several choices, logprobs and logit_bias here, image URLs (it takes
 * base64 only), audio, and forcing a tool call (it has no tool_choice).
 */
export const ollamaUnsupported: readonly ChatFeature[] = [
  'n',
  'logprobs',
  'logitBias',
  'imageUrls',
  'audioParts',
  'toolChoiceRequired',
];

/** The fields of an Ollama chat response (or final stream message) the backend reads. */
export interface OllamaChatAnswer {
  model?: string;
  created_at?: Date | string;
  message?: { content?: string; tool_calls?: OllamaToolCall[] };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
}

/** Fields the gateway sets itself; `extra` may not override them. */
const reservedFields = new Set(['model', 'messages', 'stream', 'options']);

export function toOllamaRequest(request: ChatRequest): OllamaChatRequest {
  const extra = request.extra ?? {};
  const body: OllamaChatRequest & Record<string, unknown> = { model: request.model };
  for (const [key, value] of Object.entries(extra)) {
    if (!reservedFields.has(key) && value !== undefined) body[key] = value;
  }
  body.messages = request.messages.map((m, index) => toOllamaMessage(m, index, request.messages));
  // Ollama has no tool_choice: `none` means not offering the tools.
  if (request.tools && request.tools.length > 0 && request.toolChoice !== 'none') {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: { ...tool.function } as NonNullable<OllamaChatRequest['tools']>[number]['function'],
    }));
  }
  const format = request.responseFormat;
  if (format?.type === 'json_object') body.format = 'json';
  else if (format?.type === 'json_schema') body.format = format.jsonSchema.schema ?? {};
  const extraOptions = extra['options'];
  const options: Partial<OllamaOptions> =
    typeof extraOptions === 'object' && extraOptions !== null
      ? { ...(extraOptions as Partial<OllamaOptions>) }
      : {};
  if (request.maxTokens !== undefined) options.num_predict = request.maxTokens;
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.topP !== undefined) options.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) options.stop = request.stop;
  if (request.seed !== undefined) options.seed = request.seed;
  if (request.presencePenalty !== undefined) options.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) options.frequency_penalty = request.frequencyPenalty;
  if (Object.keys(options).length > 0) body.options = options;
  return body;
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || '{}');
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {}
  throw new GatewayError('invalid_request', `Invalid '${param}': expected a JSON object.`, {
    param,
    code: 'invalid_value',
  });
}

/** Ollama names the tool a result belongs to; the history names the call, so look the call up. */
function toolNameOf(id: string | undefined, history: readonly Message[]): string | undefined {
  for (const message of history) {
    const call = message.toolCalls?.find((c) => c.id === id);
    if (call) return call.function.name;
  }
  return undefined;
}

function toOllamaMessage(m: Message, index: number, history: readonly Message[]): OllamaMessage {
  const out: OllamaMessage = { role: m.role, content: m.content };
  // Ollama takes images as base64 beside the text; data: URLs are cut to their payload (others were refused).
  const images = (m.parts ?? []).flatMap((part) =>
    part.type === 'image' ? [part.url.slice(part.url.indexOf(',') + 1)] : [],
  );
  if (images.length > 0) out.images = images;
  if (m.toolCalls && m.toolCalls.length > 0) {
    out.tool_calls = m.toolCalls.map((call, at) => ({
      function: {
        name: call.function.name,
        arguments: parseArguments(
          call.function.arguments,
          `messages[${index}].tool_calls[${at}].function.arguments`,
        ),
      },
    }));
  }
  const toolName = m.role === 'tool' ? toolNameOf(m.toolCallId, history) : undefined;
  if (toolName !== undefined) out.tool_name = toolName;
  return out;
}

/** Ollama's calls carry no ids; the gateway gives each one, as OpenAI clients need them to answer. */
export function fromOllamaToolCall(call: OllamaToolCall): ToolCall {
  return {
    id: `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    type: 'function',
    function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) },
  };
}

export function mapOllamaDoneReason(reason: string | undefined): FinishReason {
  if (reason === 'stop') return 'stop';
  if (reason === 'length') return 'length';
  return 'other';
}

export function mapOllamaUsage(answer: OllamaChatAnswer): Usage | undefined {
  const prompt = answer.prompt_eval_count;
  const completion = answer.eval_count;
  if (typeof prompt !== 'number' && typeof completion !== 'number') return undefined;
  const promptTokens = typeof prompt === 'number' ? prompt : 0;
  const completionTokens = typeof completion === 'number' ? completion : 0;
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

function unixSeconds(value: Date | string | undefined, now: number): number {
  const ms = value === undefined ? Number.NaN : new Date(value).getTime();
  return Math.floor((Number.isNaN(ms) ? now : ms) / 1000);
}

export function fromOllamaAnswer(
  answer: OllamaChatAnswer,
  requestedModel: string,
  id: string,
  now = Date.now(),
): ChatResult {
  const toolCalls = (answer.message?.tool_calls ?? []).map(fromOllamaToolCall);
  const result: ChatResult = {
    id,
    model: answer.model || requestedModel,
    text: answer.message?.content ?? '',
    // Ollama says `stop` after a tool call; OpenAI clients look for `tool_calls`.
    finishReason: toolCalls.length > 0 ? 'tool_calls' : mapOllamaDoneReason(answer.done_reason),
    usage: mapOllamaUsage(answer) ?? emptyUsage(),
    created: unixSeconds(answer.created_at, now),
  };
  if (toolCalls.length > 0) result.toolCalls = toolCalls;
  return result;
}
