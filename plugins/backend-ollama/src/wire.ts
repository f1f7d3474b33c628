/** Ollama's /api/chat wire format and its mapping to normalized types. */
import {
  type ChatRequest,
  type ChatResult,
  emptyUsage,
  type FinishReason,
  type Usage,
} from '@llm-gateway/spec';
import type { ChatRequest as OllamaChatRequest, Options as OllamaOptions } from 'ollama';

/** The fields of an Ollama chat response (or final stream message) the backend reads. */
export interface OllamaChatAnswer {
  model?: string;
  created_at?: Date | string;
  message?: { content?: string };
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
  body.messages = request.messages.map((m) => ({ role: m.role, content: m.content }));
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
  return {
    id,
    model: answer.model || requestedModel,
    text: answer.message?.content ?? '',
    finishReason: mapOllamaDoneReason(answer.done_reason),
    usage: mapOllamaUsage(answer) ?? emptyUsage(),
    created: unixSeconds(answer.created_at, now),
  };
}
