import type { Principal } from './auth.js';
import type { ChatRequest, ChatResult, ChatStreamPart, TuningParam, Usage } from './chat.js';
import type { EmbeddingsRequest, EmbeddingsResult } from './embeddings.js';
import type { Logger } from './logger.js';

/**
 * Facts about one request that the pipeline and surfaces fill in as they go; the server turns
 * them into the request's telemetry record and metrics when the response ends.
 */
export interface RequestAnnotations {
  projectName?: string;
  requestedModel?: string;
  backend?: string;
  model?: string;
  usage?: Usage;
  /** The request's cost in USD at the backend's model prices (0 for a cache hit: no upstream call). */
  costUsd?: number;
  llmLatencyMs?: number;
  timeToFirstTokenMs?: number;
  /**
   * Time spent in upstream attempts, summed over retries and fallbacks (streams: each attempt up to
   * its first part); absent when no upstream was called. The rest of the request is the gateway's own.
   */
  upstreamMs?: number;
  cacheHit?: boolean;
  retries?: number;
  fallback?: boolean;
  errorType?: string;
  /** Tuning parameters the chosen backend does not honour, removed before the call (see `TuningParams`). */
  droppedTuning?: TuningParam[];
  /** A custom event the request carries (dgen-ping's POST /telemetry): stored in its record. */
  event?: Record<string, unknown>;
  /**
   * Headers the response should carry whatever its outcome (X-RateLimit-*, x-gateway-cache). The
   * pipeline fills them; the server puts them on the reply as soon as the pipeline returns.
   */
  responseHeaders?: Record<string, string>;
}

/** Per-request context a surface hands the pipeline. */
export interface RequestContext {
  requestId: string;
  /** Surface name, e.g. `openai`, `dgen-ping`. */
  surface: string;
  /** Logical endpoint, e.g. `chat.completions`, `generate`. */
  endpoint: string;
  principal: Principal;
  /** Fires when the client goes away; the pipeline aborts the upstream call. */
  signal: AbortSignal;
  log: Logger;
  annotations: RequestAnnotations;
  /** Already counted against the principal's rate limits (a task, admitted when it was submitted). */
  admitted?: boolean;
}

/** Where a call went and how it went; surfaces expose parts of it (headers, `usage.from_cache`). */
export interface CallMeta {
  /** The model name the client asked for (after defaults). */
  requestedModel: string;
  /** The backend instance that answered. */
  backend: string;
  /** The model id the upstream received. */
  model: string;
  cached: boolean;
  retries: number;
  /** True when a target other than the first in the chain answered. */
  fallback: boolean;
}

export interface ChatOutcome {
  result: ChatResult;
  meta: CallMeta;
}

export interface EmbeddingsOutcome {
  result: EmbeddingsResult;
  meta: CallMeta;
}

export interface StreamOutcome {
  meta: CallMeta;
  /** Resolved only once the upstream has answered, so errors before the first byte reach the client as statuses. */
  parts: AsyncIterable<ChatStreamPart>;
}

export interface ModelInfo {
  id: string;
  backend: string;
  created: number;
}

/** The one request pipeline every surface calls. Implemented by core. */
export interface Pipeline {
  /** The model used when a request names none (profile `routing.defaultModel`). */
  readonly defaultModel: string | undefined;
  chat(request: ChatRequest, context: RequestContext): Promise<ChatOutcome>;
  stream(request: ChatRequest, context: RequestContext): Promise<StreamOutcome>;
  models(): Promise<ModelInfo[]>;
  /** Embeddings, routed, limited and retried like chat; a 400 when the model's backends have none. */
  embed?(request: EmbeddingsRequest, context: RequestContext): Promise<EmbeddingsOutcome>;
  /**
   * The prompt tokens of `request` by the gateway's tokenizer, without calling upstream (Anthropic's
   * count_tokens): routed like chat (an unknown model is a 404) and counted as one request of the minute.
   */
  countTokens?(request: ChatRequest, context: RequestContext): Promise<number>;
  /**
   * Counts one request against the principal's rate limits without calling upstream (async submits,
   * which must be refused with 429 then, not later in a worker); throws `rate_limited` when over.
   */
  admit?(context: RequestContext): Promise<void>;
}
