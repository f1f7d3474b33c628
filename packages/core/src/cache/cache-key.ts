import { createHash } from 'node:crypto';
import type { ChatRequest } from '@llm-gateway/spec';

/** JSON with object keys sorted at every level and undefined members dropped, so equal values hash equal. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The fields that shape the answer, in a fixed form. `user` is left out (it names the caller, not
 * the question); `extra` stays in because provider parameters change the output.
 */
export function normalizeForCache(request: ChatRequest): Record<string, unknown> {
  return {
    model: request.model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content, name: m.name })),
    temperature: request.temperature,
    topP: request.topP,
    maxTokens: request.maxTokens,
    // An empty stop list means the same as none.
    stop: request.stop && request.stop.length > 0 ? request.stop : undefined,
    seed: request.seed,
    presencePenalty: request.presencePenalty,
    frequencyPenalty: request.frequencyPenalty,
    extra: request.extra && Object.keys(request.extra).length > 0 ? request.extra : undefined,
  };
}

/** sha256 (hex) of the canonical normalized request; `scope` separates e.g. profiles or backends. */
export function cacheKey(request: ChatRequest, scope?: string): string {
  const hash = createHash('sha256');
  if (scope !== undefined) hash.update(`${scope}\n`);
  return hash.update(canonicalJson(normalizeForCache(request))).digest('hex');
}
