/** The OpenAI chat-completions wire format (shared by OpenAI, DeepSeek, Groq) and its mapping to normalized types. */
import type { ChatRequest, ChatResult, FinishReason, Usage } from './chat.js';
import { emptyUsage } from './chat.js';

export interface OpenAICompatibleMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  name?: string;
}

export interface OpenAICompatibleBody {
  model: string;
  messages: OpenAICompatibleMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  user?: string;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  [extra: string]: unknown;
}

export interface OpenAICompatibleUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
}

export interface OpenAICompatibleCompletion {
  id?: string | null;
  model?: string | null;
  created?: number | null;
  choices?: Array<{ message?: { content?: string | null } | null; finish_reason?: string | null }> | null;
  usage?: OpenAICompatibleUsage | null;
}

export interface OpenAICompatibleChunk {
  id?: string | null;
  model?: string | null;
  choices?: Array<{ delta?: { content?: string | null } | null; finish_reason?: string | null }> | null;
  usage?: OpenAICompatibleUsage | null;
  /** Groq reports usage (and early-stop errors) here, on the finish chunk. */
  x_groq?: { usage?: OpenAICompatibleUsage | null; error?: string | null } | null;
}

/** Fields the gateway sets itself; `extra` may not override them. */
const reservedFields = new Set(['model', 'messages', 'stream', 'stream_options']);

export function toOpenAICompatibleBody(request: ChatRequest, stream: boolean): OpenAICompatibleBody {
  const body: OpenAICompatibleBody = { model: request.model, messages: [] };
  for (const [key, value] of Object.entries(request.extra ?? {})) {
    if (!reservedFields.has(key) && value !== undefined) body[key] = value;
  }
  body.model = request.model;
  body.messages = request.messages.map((m) =>
    m.name === undefined
      ? { role: m.role, content: m.content }
      : { role: m.role, content: m.content, name: m.name },
  );
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.user !== undefined) body.user = request.user;
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

export function mapOpenAICompatibleFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
    case 'end_turn':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    // DeepSeek ends a request it cannot finish for lack of capacity with this.
    case 'insufficient_system_resource':
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}

function count(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function mapOpenAICompatibleUsage(usage: OpenAICompatibleUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  const promptTokens = count(usage.prompt_tokens);
  const completionTokens = count(usage.completion_tokens);
  const totalTokens =
    typeof usage.total_tokens === 'number' ? usage.total_tokens : promptTokens + completionTokens;
  return { promptTokens, completionTokens, totalTokens };
}

export function fromOpenAICompatibleCompletion(
  completion: OpenAICompatibleCompletion,
  requestedModel: string,
  now = Date.now(),
): ChatResult {
  const choice = completion.choices?.[0];
  return {
    id: completion.id || `chatcmpl-${now.toString(36)}`,
    model: completion.model || requestedModel,
    text: choice?.message?.content ?? '',
    finishReason: mapOpenAICompatibleFinishReason(choice?.finish_reason),
    usage: mapOpenAICompatibleUsage(completion.usage) ?? emptyUsage(),
    created: typeof completion.created === 'number' ? completion.created : Math.floor(now / 1000),
  };
}
