/** Normalized chat types: every surface translates into these, every backend translates out of them. */

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface Message {
  role: Role;
  content: string;
  name?: string;
}

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
  /** Provider-specific parameters passed through untouched. */
  extra?: Record<string, unknown>;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** True when the counts were estimated by the gateway because the upstream gave none. */
  estimated?: boolean;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'error' | 'other';

export interface ChatResult {
  id: string;
  /** The model id the upstream reports having used. */
  model: string;
  text: string;
  finishReason: FinishReason;
  usage: Usage;
  /** Unix seconds. */
  created: number;
}

/** A stream is a sequence of typed parts; failures are thrown from the iterator. */
export type ChatStreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'finish'; finishReason: FinishReason; usage?: Usage };

export function emptyUsage(): Usage {
  return { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
}
