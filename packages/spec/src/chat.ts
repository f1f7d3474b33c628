/** Normalized chat types: every surface translates into these, every backend translates out of them. */

export type Role = 'system' | 'user' | 'assistant' | 'tool';

/** One piece of a multimodal message, in the order the caller sent them. */
export type ContentPart =
  | { type: 'text'; text: string }
  /** An http(s) URL or a `data:` URL; `detail` as OpenAI defines it. */
  | { type: 'image'; url: string; detail?: 'auto' | 'low' | 'high' }
  /** Base64 audio (OpenAI `input_audio`). */
  | { type: 'audio'; data: string; format: string };

/** A function call the model asked for; `arguments` is the JSON text the model wrote. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface Message {
  role: Role;
  /** The message's text (for multimodal content, its text parts joined): what token counts and logs read. */
  content: string;
  /** The full content when it is more than text; backends that send content use these when present. */
  parts?: ContentPart[];
  name?: string;
  /** Calls an assistant turn made. */
  toolCalls?: ToolCall[];
  /** The call a `tool` turn answers. */
  toolCallId?: string;
  /** An assistant turn's refusal, kept in the history. */
  refusal?: string;
}

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      jsonSchema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean };
    };

/** A wire format that a surface speaks and some backends speak natively. */
export type NativeWire = 'anthropic-messages' | 'openai-responses';

/**
 * The client's own request body in its surface's wire format. A backend that speaks that wire may send it
 * as it is (model replaced by the routed id) and answer natively (`ChatResult.native`, `native-event` parts);
 * every other backend ignores it and serves the normalized fields, which are always filled in as well.
 */
export interface NativeRequest {
  wire: NativeWire;
  body: Record<string, unknown>;
}

/**
 * A wire whose answers a surface can relay to its client exactly as the upstream sent them: Chat
 * Completions from an OpenAI-wire backend, Messages from Anthropic.
 */
export type RelayWire = 'openai-chat' | 'anthropic-messages';

/**
 * Asks a backend of the same wire (`Backend.relayWires`) for the upstream's own answer: the JSON body
 * (`ChatResult.relay`) or the SSE bytes (`relay-bytes` parts), which the surface sends on unchanged. The
 * request is still built from the normalized fields. The pipeline removes it before a backend of another
 * wire, or when the answer would need rewriting (the client asked for a model id the target calls otherwise).
 */
export interface RelayRequest {
  wire: RelayWire;
  /**
   * The client asked for the upstream's usage event in a stream (OpenAI `stream_options.include_usage`);
   * without it the backend leaves that event out of the bytes (it still reads the usage).
   */
  usageEvent?: boolean;
  /**
   * The normalized content parts are needed too (the cache stores the answer); otherwise a relayed stream
   * carries only `relay-bytes`, `response-metadata` and `finish` (with usage), and the content parts only
   * when the upstream gave no usage (the gateway then counts the text).
   */
  parts?: boolean;
}

/**
 * Parameters that only tune how a backend works. Each backend declares the ones it honours
 * (`Backend.tuning`); the pipeline removes the others before the call and lists them in
 * `RequestAnnotations.droppedTuning`, which the surface reports (`x-gateway-dropped-params`) in its wire's names.
 */
export interface TuningParams {
  reasoningEffort?: 'minimal' | 'low' | 'medium' | 'high';
  reasoningSummary?: 'auto' | 'concise' | 'detailed';
  /** Extended thinking budget in tokens (Anthropic `thinking.budget_tokens`). */
  thinkingBudgetTokens?: number;
  serviceTier?: string;
  promptCacheKey?: string;
  truncation?: 'auto' | 'disabled';
  /** Extra output the client asks to include (Responses `include`). */
  include?: string[];
  /** Whether the upstream may store the exchange (Responses `store`). */
  store?: boolean;
}

export type TuningParam = keyof TuningParams;

export interface ChatRequest {
  /** The model id the backend receives, after routing (or the requested id before it). */
  model: string;
  messages: Message[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** End-user id forwarded to providers that accept one. */
  user?: string;
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  /** How many choices to generate (default 1). */
  n?: number;
  logprobs?: boolean;
  topLogprobs?: number;
  /** Token id (as a string) to bias, -100..100. */
  logitBias?: Record<string, number>;
  /** Caller's tags for the completion (OpenAI `metadata`); does not change the answer. */
  metadata?: Record<string, string>;
  /**
   * Provider-specific parameters passed through untouched: OpenAI-wire backends send every key as a
   * top-level body field (the OpenAI surface puts each body field it does not model here).
   */
  extra?: Record<string, unknown>;
  /** Backend-tuning parameters; see `TuningParams`. */
  tuning?: TuningParams;
  /** The original body for a backend of the same wire; see `NativeRequest`. */
  native?: NativeRequest;
  /** The surface relays the upstream's answer bytes when the backend speaks this wire; see `RelayRequest`. */
  relay?: RelayRequest;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** True when the counts were estimated by the gateway because the upstream gave none. */
  estimated?: boolean;
  /** Prompt tokens the provider read from its own prompt cache (part of `promptTokens`, priced as cached input). */
  cachedPromptTokens?: number;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'error' | 'other';

/** One token's log probability, in OpenAI's shape (which every provider that reports them uses). */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs?: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

export interface ChatLogprobs {
  content?: TokenLogprob[] | null;
  refusal?: TokenLogprob[] | null;
}

/** What one choice of an answer says. */
export interface ChatChoiceContent {
  text: string;
  finishReason: FinishReason;
  toolCalls?: ToolCall[];
  refusal?: string;
  logprobs?: ChatLogprobs;
  /** The model's reasoning text, where the upstream returns it (thinking, reasoning_content). */
  reasoning?: string;
  /** The stop sequence that ended the answer (finishReason `stop`), when the upstream says which. */
  stopSequence?: string;
}

export interface ChatChoice extends ChatChoiceContent {
  index: number;
}

/** The answer; its own fields are choice 0, further choices (n > 1) are in `otherChoices`. */
export interface ChatResult extends ChatChoiceContent {
  /** The upstream's completion id (a generated one when the upstream gives none). */
  id: string;
  /** The model id the upstream reports having used. */
  model: string;
  usage: Usage;
  /** Unix seconds. */
  created: number;
  systemFingerprint?: string;
  /** Choices 1..n-1 when the request asked for several. */
  otherChoices?: ChatChoice[];
  /** The upstream's answer body in the request's native wire, when the backend answered `ChatRequest.native` natively. */
  native?: { wire: NativeWire; body: Record<string, unknown> };
  /** The upstream's answer body as it came, when the backend relayed (`ChatRequest.relay`); the normalized fields are filled in too. */
  relay?: { wire: RelayWire; body: Uint8Array };
}

/**
 * A stream is a sequence of typed parts; failures are thrown from the iterator. `choice` is the
 * choice index (0 when absent). Parts come in the upstream's order.
 */
export type ChatStreamPart =
  /** What the upstream said about the response before its content (its first chunk). */
  | { type: 'response-metadata'; id?: string; created?: number; systemFingerprint?: string }
  /** `text` may be empty when the upstream sent an empty delta (OpenAI's role-announcing first chunk). */
  | { type: 'text-delta'; text: string; choice?: number; logprobs?: ChatLogprobs }
  | { type: 'refusal-delta'; text: string; choice?: number }
  /** A piece of the model's reasoning text. */
  | { type: 'reasoning-delta'; text: string; choice?: number }
  /**
   * One upstream event as it came, when the backend streams `ChatRequest.native` natively; it comes before
   * the normalized parts derived from it, which still follow (accounting, cache). A surface of the same wire
   * relays these and ignores the normalized content parts; every other surface ignores these.
   */
  | { type: 'native-event'; wire: NativeWire; event: Record<string, unknown> }
  /**
   * Bytes of the upstream's stream as they came (whole SSE events), when the backend relays
   * (`ChatRequest.relay`). A surface of that wire writes them as they are and ignores the content parts;
   * every other consumer ignores these.
   */
  | { type: 'relay-bytes'; wire: RelayWire; bytes: Uint8Array | string }
  /** One piece of tool call `index`: the first piece has `id` and `name`, later ones more `arguments` text. */
  | {
      type: 'tool-call-delta';
      choice?: number;
      index: number;
      id?: string;
      name?: string;
      arguments?: string;
    }
  /** A choice other than 0 finished (n > 1); choice 0's reason is on `finish`. */
  | { type: 'choice-finish'; choice: number; finishReason: FinishReason }
  /** `stopSequence`: the stop sequence that ended the answer, when the upstream says which. */
  | { type: 'finish'; finishReason: FinishReason; usage?: Usage; stopSequence?: string };

export function emptyUsage(): Usage {
  return { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
}

/** The choices of a result in index order, choice 0 first. */
export function resultChoices(result: ChatResult): ChatChoice[] {
  const { text, finishReason, toolCalls, refusal, logprobs, reasoning, stopSequence } = result;
  const first: ChatChoice = { index: 0, text, finishReason };
  if (toolCalls !== undefined) first.toolCalls = toolCalls;
  if (refusal !== undefined) first.refusal = refusal;
  if (logprobs !== undefined) first.logprobs = logprobs;
  if (reasoning !== undefined) first.reasoning = reasoning;
  if (stopSequence !== undefined) first.stopSequence = stopSequence;
  return [first, ...(result.otherChoices ?? [])];
}
