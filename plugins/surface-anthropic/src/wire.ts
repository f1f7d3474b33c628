/** The Anthropic Messages API wire types this surface reads and writes (only the fields it uses). */

export type WireRole = 'user' | 'assistant' | 'system';

export interface WireTextBlock {
  type: 'text';
  text: string;
}

export type WireImageSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string };

export interface WireImageBlock {
  type: 'image';
  source: WireImageSource;
}

export interface WireToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

export interface WireToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<WireTextBlock | WireImageBlock>;
  is_error?: boolean;
}

export interface WireThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature?: string;
}

export interface WireMessage {
  role: WireRole;
  /** A string or content blocks; blocks are checked while translating. */
  content: unknown;
}

export interface WireTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  /** Client tools have no type or `custom`; server tools (web search, ...) are refused. */
  type?: string;
}

export type WireToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/** A Messages API body as count_tokens takes it (no max_tokens needed). */
export interface WireCountTokensBody {
  model?: string;
  messages: WireMessage[];
  max_tokens?: number;
  system?: string | WireTextBlock[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stream?: boolean;
  tools?: WireTool[];
  tool_choice?: WireToolChoice;
  metadata?: { user_id?: string | null };
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'disabled' | 'adaptive' };
  service_tier?: string;
  /** Structured output: the answer's text is JSON valid against `format.schema`. */
  output_config?: { format?: { type: 'json_schema'; schema: Record<string, unknown> } };
}

/** A Messages API body: max_tokens is required. */
export interface WireMessagesBody extends WireCountTokensBody {
  max_tokens: number;
}

export type WireStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export interface WireUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
}

export type WireContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

export interface WireMessageResponse {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: WireContentBlock[];
  stop_reason: WireStopReason | null;
  stop_sequence: string | null;
  usage: WireUsage;
}

export type WireErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

export interface WireError {
  type: 'error';
  error: { type: WireErrorType; message: string };
  request_id?: string;
}
