/** The OpenAI Responses API wire shapes this surface reads and writes (a subset of the openai SDK's types). */

export type WireInputContent =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url?: string; file_id?: string; detail?: 'auto' | 'low' | 'high' }
  | { type: 'output_text'; text: string; annotations?: unknown[] }
  | { type: 'refusal'; refusal: string }
  | { type: string; [key: string]: unknown };

/** One input item as a client sends it; output items of an earlier response are valid input items too. */
export interface WireInputItem {
  type?: string;
  id?: string;
  role?: string;
  content?: string | WireInputContent[];
  call_id?: string;
  name?: string;
  arguments?: string;
  input?: string;
  output?: string | WireInputContent[];
  status?: string;
  [key: string]: unknown;
}

export interface WireResponsesTool {
  type: string;
  name?: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
  format?: { type: string; syntax?: string; definition?: string } | null;
  [key: string]: unknown;
}

export type WireResponsesToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: string; name?: string; [key: string]: unknown };

export type WireTextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name: string;
      schema: Record<string, unknown>;
      description?: string;
      strict?: boolean | null;
    };

export interface WireResponsesBody {
  model?: string;
  input?: string | WireInputItem[];
  instructions?: string | null;
  tools?: WireResponsesTool[];
  tool_choice?: WireResponsesToolChoice;
  text?: { format?: WireTextFormat; verbosity?: string | null } | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  metadata?: Record<string, string> | null;
  user?: string;
  safety_identifier?: string;
  stream?: boolean | null;
  store?: boolean | null;
  background?: boolean | null;
  previous_response_id?: string | null;
  parallel_tool_calls?: boolean | null;
  reasoning?: { effort?: string | null; summary?: string | null; generate_summary?: string | null } | null;
  include?: string[] | null;
  prompt_cache_key?: string;
  service_tier?: string | null;
  truncation?: 'auto' | 'disabled' | null;
  [key: string]: unknown;
}

export interface WireResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type WireOutputItem =
  | {
      type: 'message';
      id: string;
      status: 'in_progress' | 'completed' | 'incomplete';
      role: 'assistant';
      content: Array<
        | { type: 'output_text'; text: string; annotations: unknown[]; logprobs?: unknown[] }
        | { type: 'refusal'; refusal: string }
      >;
    }
  | {
      type: 'function_call';
      id: string;
      call_id: string;
      name: string;
      arguments: string;
      status: 'in_progress' | 'completed' | 'incomplete';
    }
  | {
      type: 'custom_tool_call';
      id: string;
      call_id: string;
      name: string;
      input: string;
      status?: 'in_progress' | 'completed' | 'incomplete';
    }
  | {
      type: 'reasoning';
      id: string;
      summary: unknown[];
      content?: Array<{ type: 'reasoning_text'; text: string }>;
      status?: 'in_progress' | 'completed' | 'incomplete';
    };

export type WireResponseStatus =
  | 'completed'
  | 'failed'
  | 'in_progress'
  | 'cancelled'
  | 'queued'
  | 'incomplete';

/** A response object (`object: "response"`), as returned by POST, GET and the stream's lifecycle events. */
export interface WireResponse {
  id: string;
  object: 'response';
  created_at: number;
  status: WireResponseStatus;
  background: boolean;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: WireOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: WireTextFormat };
  tool_choice: WireResponsesToolChoice;
  tools: WireResponsesTool[];
  top_p: number | null;
  truncation: 'auto' | 'disabled';
  usage: WireResponseUsage | null;
  user: string | null;
  metadata: Record<string, string>;
  [key: string]: unknown;
}
