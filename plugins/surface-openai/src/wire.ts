/** The OpenAI wire types this surface reads and writes (only the fields it uses). */

export type WireRole = 'system' | 'user' | 'assistant' | 'tool' | 'developer';

export interface WireMessage {
  role: WireRole;
  /** Unvalidated by the schema: a string, null, or text parts (checked while translating). */
  content?: unknown;
  name?: string;
}

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
