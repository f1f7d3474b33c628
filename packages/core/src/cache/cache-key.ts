import { hash } from 'node:crypto';
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
 * The fields that shape the answer, in a fixed form. `user` and `metadata` are left out (they tag
 * the caller, not the question); `extra` stays in because provider parameters change the output.
 */
export function normalizeForCache(request: ChatRequest): Record<string, unknown> {
  return {
    model: request.model,
    messages: request.messages.map((m) => ({
      role: m.role,
      content: m.content,
      name: m.name,
      parts: m.parts,
      refusal: m.refusal,
      toolCallId: m.toolCallId,
      toolCalls: m.toolCalls,
    })),
    temperature: request.temperature,
    topP: request.topP,
    maxTokens: request.maxTokens,
    // An empty stop list means the same as none.
    stop: request.stop && request.stop.length > 0 ? request.stop : undefined,
    seed: request.seed,
    presencePenalty: request.presencePenalty,
    frequencyPenalty: request.frequencyPenalty,
    extra: request.extra && Object.keys(request.extra).length > 0 ? request.extra : undefined,
    tools: request.tools,
    toolChoice: request.toolChoice,
    parallelToolCalls: request.parallelToolCalls,
    responseFormat: request.responseFormat,
    n: request.n,
    logprobs: request.logprobs,
    topLogprobs: request.topLogprobs,
    logitBias: request.logitBias,
    // A native body carries fields the normalized ones do not model (thinking, cache_control, top_k).
    native: request.native,
  };
}

/** A primitive as canonicalJson writes it; objects and arrays go through canonicalJson. */
function canonicalValue(value: unknown): string {
  return value !== null && typeof value === 'object'
    ? canonicalJson(value)
    : (JSON.stringify(value) ?? 'null');
}

/**
 * `canonicalJson(normalizeForCache(request))`, written directly: the normalized fields in their
 * sorted order, without building the normalized object or sorting keys on every request. The
 * output is byte for byte the same, so keys stay the same (Redis entries outlive a deploy).
 */
export function canonicalRequestJson(request: ChatRequest): string {
  let out = '{';
  const field = (name: string, value: unknown) => {
    if (value === undefined) return;
    out += `${out.length > 1 ? ',' : ''}"${name}":${canonicalValue(value)}`;
  };
  const extra = request.extra;
  if (extra && Object.keys(extra).length > 0) field('extra', extra);
  field('frequencyPenalty', request.frequencyPenalty);
  field('logitBias', request.logitBias);
  field('logprobs', request.logprobs);
  field('maxTokens', request.maxTokens);
  let messages = '';
  for (const m of request.messages) {
    let message = m.content === undefined ? '' : `"content":${canonicalValue(m.content)}`;
    const member = (name: string, value: unknown) => {
      if (value !== undefined) message += `${message ? ',' : ''}"${name}":${canonicalValue(value)}`;
    };
    member('name', m.name);
    member('parts', m.parts);
    member('refusal', m.refusal);
    member('role', m.role);
    member('toolCallId', m.toolCallId);
    member('toolCalls', m.toolCalls);
    messages += `${messages ? ',' : ''}{${message}}`;
  }
  out += `${out.length > 1 ? ',' : ''}"messages":[${messages}]`;
  field('model', request.model);
  field('n', request.n);
  field('native', request.native);
  field('parallelToolCalls', request.parallelToolCalls);
  field('presencePenalty', request.presencePenalty);
  field('responseFormat', request.responseFormat);
  field('seed', request.seed);
  // An empty stop list means the same as none.
  if (request.stop && request.stop.length > 0) field('stop', request.stop);
  field('temperature', request.temperature);
  field('toolChoice', request.toolChoice);
  field('tools', request.tools);
  field('topLogprobs', request.topLogprobs);
  field('topP', request.topP);
  return `${out}}`;
}

/** sha256 (hex) of the canonical normalized request; `scope` separates e.g. profiles or backends. */
export function cacheKey(request: ChatRequest, scope?: string): string {
  const json = canonicalRequestJson(request);
  return hash('sha256', scope === undefined ? json : `${scope}\n${json}`, 'hex');
}
