import type { ChatResult, FinishReason, Usage } from '@llm-gateway/spec';

/** Enough of an answer to replay it as a JSON response or as a stream. */
export interface CachedResponse {
  text: string;
  finishReason: FinishReason;
  usage: Usage;
  /** The model id the upstream reported. */
  model: string;
  /** The backend instance that produced it. */
  backend: string;
  /** Unix milliseconds when it was stored. */
  createdAt: number;
}

/** A response store. Implementations never throw from get/set: a broken cache is a miss. */
export interface ResponseCache {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse, ttlSeconds: number): Promise<void>;
  close(): Promise<void>;
}

/** CACHE_TTL default: one hour. */
export const DEFAULT_CACHE_TTL_SECONDS = 3600;

/**
 * Only complete answers are worth replaying; a truncated-by-error or filtered one is not, and neither
 * is one a CachedResponse cannot hold (tool calls, several choices, logprobs, a refusal).
 */
export function isCacheable(
  result: Pick<ChatResult, 'finishReason' | 'toolCalls' | 'otherChoices' | 'logprobs' | 'refusal'>,
): boolean {
  if (result.toolCalls?.length || result.otherChoices?.length || result.logprobs || result.refusal)
    return false;
  return result.finishReason === 'stop' || result.finishReason === 'length';
}

export function toCachedResponse(
  result: ChatResult,
  backend: string,
  now: number = Date.now(),
): CachedResponse {
  return {
    text: result.text,
    finishReason: result.finishReason,
    usage: { ...result.usage },
    model: result.model,
    backend,
    createdAt: now,
  };
}

const finishReasons = new Set<string>(['stop', 'length', 'content_filter', 'tool_calls', 'error', 'other']);

/** Checks a value read back from a store (another version may have written it); undefined if unusable. */
export function parseCachedResponse(value: unknown): CachedResponse | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const usage = v.usage as Record<string, unknown> | undefined;
  if (
    typeof v.text !== 'string' ||
    typeof v.finishReason !== 'string' ||
    !finishReasons.has(v.finishReason) ||
    typeof v.model !== 'string' ||
    typeof v.backend !== 'string' ||
    typeof v.createdAt !== 'number' ||
    typeof usage !== 'object' ||
    usage === null ||
    typeof usage.promptTokens !== 'number' ||
    typeof usage.completionTokens !== 'number' ||
    typeof usage.totalTokens !== 'number'
  ) {
    return undefined;
  }
  return {
    text: v.text,
    finishReason: v.finishReason as FinishReason,
    usage: {
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      totalTokens: usage.totalTokens,
      ...(usage.estimated === true ? { estimated: true } : {}),
    },
    model: v.model,
    backend: v.backend,
    createdAt: v.createdAt,
  };
}
