/** The OpenAI wire types this surface reads and writes (only the fields it uses). */

export type WireRole = 'system' | 'user' | 'assistant' | 'tool' | 'developer';

export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface WireMessage {
  role: WireRole;
  /** Unvalidated by the schema: a string, null, or content parts (checked while translating). */
  content?: unknown;
  name?: string;
  tool_calls?: WireToolCall[];
  tool_call_id?: string;
  refusal?: string | null;
}

export interface WireTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean | null;
  };
}

export type WireToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type WireResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: {
        name: string;
        description?: string;
        schema?: Record<string, unknown>;
        strict?: boolean | null;
      };
    };

/** Sampling fields shared by chat and legacy completions. */
export interface WireSampling {
  model?: string;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  user?: string;
  n?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean | null } | null;
}

export interface WireChatBody extends WireSampling {
  messages: WireMessage[];
  tools?: WireTool[];
  tool_choice?: WireToolChoice;
  parallel_tool_calls?: boolean | null;
  response_format?: WireResponseFormat | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  logit_bias?: Record<string, number> | null;
  metadata?: Record<string, string> | null;
  /** Fields this surface does not model: sent on to OpenAI-wire backends as they are. */
  [unmodelled: string]: unknown;
}

export interface WireCompletionBody extends WireSampling {
  prompt: string | string[];
}

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** The DeepSeek gateway seed's clients read it. */
  from_cache: boolean;
}

export type WireFinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

export interface WireError {
  error: { message: string; type: string; param: string | null; code: string | null };
}
