/** The OpenAI chat-completions wire format (shared by OpenAI, DeepSeek, Groq) and its mapping to normalized types. */
import {
  type ChatChoice,
  type ChatLogprobs,
  type ChatRequest,
  type ChatResult,
  type ContentPart,
  emptyUsage,
  type FinishReason,
  type Message,
  type ResponseFormat,
  type ToolCall,
  type ToolChoice,
  type TuningParam,
  type TuningParams,
  type Usage,
} from '@llm-gateway/spec';

export type OpenAICompatibleContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } }
  | { type: 'input_audio'; input_audio: { data: string; format: string } };

export interface OpenAICompatibleToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAICompatibleMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | OpenAICompatibleContentPart[] | null;
  name?: string;
  tool_calls?: OpenAICompatibleToolCall[];
  tool_call_id?: string;
  refusal?: string;
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
  tools?: Array<{ type: 'function'; function: Record<string, unknown> }>;
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: Record<string, unknown>;
  n?: number;
  logprobs?: boolean;
  top_logprobs?: number;
  logit_bias?: Record<string, number>;
  metadata?: Record<string, string>;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  [extra: string]: unknown;
}

export interface OpenAICompatibleUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
}

interface WireToolCallDelta {
  index?: number | null;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

/** What a completion's message and a chunk's delta both carry. */
interface WireMessageFields {
  content?: string | null;
  refusal?: string | null;
  tool_calls?: WireToolCallDelta[] | null;
}

/** What a completion's choice and a chunk's choice both carry. */
interface WireChoiceFields {
  index?: number | null;
  logprobs?: ChatLogprobs | null;
  finish_reason?: string | null;
}

export interface OpenAICompatibleChoice extends WireChoiceFields {
  message?: WireMessageFields | null;
}

/** What a completion and a chunk both carry. */
interface WireResponseFields {
  id?: string | null;
  model?: string | null;
  created?: number | null;
  system_fingerprint?: string | null;
  usage?: OpenAICompatibleUsage | null;
}

export interface OpenAICompatibleCompletion extends WireResponseFields {
  choices?: OpenAICompatibleChoice[] | null;
}

export interface OpenAICompatibleChunkChoice extends WireChoiceFields {
  delta?: (WireMessageFields & { role?: string | null }) | null;
}

export interface OpenAICompatibleChunk extends WireResponseFields {
  choices?: OpenAICompatibleChunkChoice[] | null;
  /** Groq reports usage (and early-stop errors) here, on the finish chunk. */
  x_groq?: { usage?: OpenAICompatibleUsage | null; error?: string | null } | null;
}

/** Fields the gateway sets itself; `extra` may not override them. */
const reservedFields = new Set(['model', 'messages', 'stream', 'stream_options']);

function toWirePart(part: ContentPart): OpenAICompatibleContentPart {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.type === 'audio')
    return { type: 'input_audio', input_audio: { data: part.data, format: part.format } };
  const image: { url: string; detail?: 'auto' | 'low' | 'high' } = { url: part.url };
  if (part.detail !== undefined) image.detail = part.detail;
  return { type: 'image_url', image_url: image };
}

export function toOpenAICompatibleMessage(m: Message): OpenAICompatibleMessage {
  const hasCalls = m.toolCalls !== undefined && m.toolCalls.length > 0;
  // An assistant turn that only called tools carries null content, as OpenAI writes it.
  const content = m.parts ? m.parts.map(toWirePart) : hasCalls && m.content === '' ? null : m.content;
  const out: OpenAICompatibleMessage = { role: m.role, content };
  if (m.name !== undefined) out.name = m.name;
  if (hasCalls) out.tool_calls = m.toolCalls!.map((c) => ({ ...c, function: { ...c.function } }));
  if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
  if (m.refusal !== undefined) out.refusal = m.refusal;
  return out;
}

function toWireResponseFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type !== 'json_schema') return { type: format.type };
  return { type: 'json_schema', json_schema: { ...format.jsonSchema } };
}

/** The tuning parameters Chat Completions has; an OpenAI-wire backend declares these. */
export const openAICompatibleTuning: readonly TuningParam[] = [
  'reasoningEffort',
  'serviceTier',
  'promptCacheKey',
  'store',
];

/** The Chat Completions fields of the declared tuning parameters (the pipeline removed the others). */
export function toOpenAICompatibleTuning(tuning: TuningParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (tuning.reasoningEffort !== undefined) out.reasoning_effort = tuning.reasoningEffort;
  if (tuning.serviceTier !== undefined) out.service_tier = tuning.serviceTier;
  if (tuning.promptCacheKey !== undefined) out.prompt_cache_key = tuning.promptCacheKey;
  if (tuning.store !== undefined) out.store = tuning.store;
  return out;
}

export function toOpenAICompatibleBody(request: ChatRequest, stream: boolean): OpenAICompatibleBody {
  const body: OpenAICompatibleBody = { model: request.model, messages: [] };
  for (const [key, value] of Object.entries(request.extra ?? {})) {
    if (!reservedFields.has(key) && value !== undefined) body[key] = value;
  }
  body.model = request.model;
  body.messages = request.messages.map(toOpenAICompatibleMessage);
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.user !== undefined) body.user = request.user;
  if (request.tools !== undefined) {
    body.tools = request.tools.map((t) => ({ type: 'function', function: { ...t.function } }));
  }
  if (request.toolChoice !== undefined) body.tool_choice = request.toolChoice;
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.responseFormat !== undefined)
    body.response_format = toWireResponseFormat(request.responseFormat);
  if (request.n !== undefined) body.n = request.n;
  if (request.logprobs !== undefined) body.logprobs = request.logprobs;
  if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs;
  if (request.logitBias !== undefined) body.logit_bias = request.logitBias;
  if (request.metadata !== undefined) body.metadata = request.metadata;
  if (request.tuning !== undefined) Object.assign(body, toOpenAICompatibleTuning(request.tuning));
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

function toToolCalls(calls: WireToolCallDelta[] | null | undefined): ToolCall[] | undefined {
  if (!calls || calls.length === 0) return undefined;
  return calls.map((call) => ({
    id: call.id ?? '',
    type: 'function',
    function: { name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' },
  }));
}

function toChoice(choice: OpenAICompatibleChoice | undefined, index: number): ChatChoice {
  const out: ChatChoice = {
    index,
    text: choice?.message?.content ?? '',
    finishReason: mapOpenAICompatibleFinishReason(choice?.finish_reason),
  };
  const toolCalls = toToolCalls(choice?.message?.tool_calls);
  if (toolCalls) out.toolCalls = toolCalls;
  if (typeof choice?.message?.refusal === 'string') out.refusal = choice.message.refusal;
  if (choice?.logprobs) out.logprobs = choice.logprobs;
  return out;
}

export function fromOpenAICompatibleCompletion(
  completion: OpenAICompatibleCompletion,
  requestedModel: string,
  now = Date.now(),
): ChatResult {
  const wireChoices = [...(completion.choices ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const [first, ...others] = wireChoices.length > 0 ? wireChoices : [undefined];
  const { index: _index, ...content } = toChoice(first, 0);
  const result: ChatResult = {
    id: completion.id || `chatcmpl-${now.toString(36)}`,
    model: completion.model || requestedModel,
    ...content,
    usage: mapOpenAICompatibleUsage(completion.usage) ?? emptyUsage(),
    created: typeof completion.created === 'number' ? completion.created : Math.floor(now / 1000),
  };
  if (completion.system_fingerprint) result.systemFingerprint = completion.system_fingerprint;
  if (others.length > 0) result.otherChoices = others.map((c, i) => toChoice(c, c?.index ?? i + 1));
  return result;
}
