import { randomUUID } from 'node:crypto';
import {
  type CallMeta,
  type ChatChoice,
  type ChatResult,
  type ChatStreamPart,
  type FinishReason,
  type ModelInfo,
  resultChoices,
  type Usage,
} from '@llm-gateway/spec';
import type { WireFinishReason, WireUsage } from './wire.js';

export function completionId(prefix: 'chatcmpl' | 'cmpl'): string {
  return `${prefix}-${randomUUID().replaceAll('-', '')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** OpenAI knows no `error`/`other` finish reasons; its clients expect one of its four. */
export function wireFinishReason(reason: FinishReason): WireFinishReason {
  return reason === 'length' || reason === 'content_filter' || reason === 'tool_calls' ? reason : 'stop';
}

export function wireUsage(usage: Usage | undefined, cached: boolean): WireUsage {
  return {
    prompt_tokens: usage?.promptTokens ?? 0,
    completion_tokens: usage?.completionTokens ?? 0,
    total_tokens: usage?.totalTokens ?? 0,
    from_cache: cached,
  };
}

/** A choice's message: content null when it only called tools, refusal and tool calls when present. */
function wireMessage(choice: ChatChoice) {
  const calls = choice.toolCalls ?? [];
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: calls.length > 0 && choice.text === '' ? null : choice.text,
  };
  if (choice.refusal !== undefined) message.refusal = choice.refusal;
  if (calls.length > 0) message.tool_calls = calls;
  return message;
}

/** The upstream's id and fingerprint are kept; a cached or id-less answer gets a fresh `chatcmpl-` id. */
export function chatCompletionBody(result: ChatResult, meta: CallMeta) {
  return {
    id: result.id && !meta.cached ? result.id : completionId('chatcmpl'),
    object: 'chat.completion',
    created: result.created || nowSeconds(),
    model: meta.requestedModel,
    choices: resultChoices(result).map((choice) => ({
      index: choice.index,
      message: wireMessage(choice),
      logprobs: choice.logprobs ?? null,
      finish_reason: wireFinishReason(choice.finishReason),
    })),
    usage: wireUsage(result.usage, meta.cached),
    system_fingerprint: result.systemFingerprint ?? null,
  };
}

export function completionBody(result: ChatResult, meta: CallMeta) {
  return {
    id: completionId('cmpl'),
    object: 'text_completion',
    created: result.created || nowSeconds(),
    model: meta.requestedModel,
    choices: resultChoices(result).map((choice) => ({
      text: choice.text,
      index: choice.index,
      logprobs: null,
      finish_reason: wireFinishReason(choice.finishReason),
    })),
    usage: wireUsage(result.usage, meta.cached),
  };
}

export function modelBody(model: ModelInfo) {
  return { id: model.id, object: 'model', created: model.created, owned_by: model.backend };
}

/** A stream part before the end (everything but `finish`). */
export type ContentStreamPart = Exclude<ChatStreamPart, { type: 'finish' }>;

/** Serializes the chunks of one stream, one chunk per upstream delta; the constant prefix is built once. */
export interface ChunkFormat {
  /** The chunk for one part, or undefined when the part makes none. */
  part(part: ContentStreamPart): string | undefined;
  /** Choice 0's finish chunk. */
  finish(reason: WireFinishReason): string;
  usage(usage: WireUsage): string;
}

function toolCallDelta(part: Extract<ChatStreamPart, { type: 'tool-call-delta' }>) {
  const fn: Record<string, string> = {};
  if (part.name !== undefined) fn.name = part.name;
  if (part.arguments !== undefined) fn.arguments = part.arguments;
  const call: Record<string, unknown> = { index: part.index };
  if (part.id !== undefined) Object.assign(call, { id: part.id, type: 'function' });
  call.function = fn;
  return { tool_calls: [call] };
}

/**
 * Chat chunks carry the upstream's id, created and system_fingerprint (from its `response-metadata`
 * part, else a fresh id); the first delta of each choice announces the assistant role.
 */
export function chatChunkFormat(model: string): ChunkFormat {
  let id = completionId('chatcmpl');
  let created = nowSeconds();
  let fingerprint = '';
  let head: string | undefined;
  const announced = new Set<number>();
  const headOf = () => {
    head ??= `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)}${fingerprint ? `,"system_fingerprint":${JSON.stringify(fingerprint)}` : ''}`;
    return head;
  };
  const chunk = (index: number, delta: string, logprobs: unknown, finish: string | null) =>
    `${headOf()},"choices":[{"index":${index},"delta":${delta},"logprobs":${logprobs === undefined ? 'null' : JSON.stringify(logprobs)},"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}`;
  /** A delta's JSON with the role on the choice's first one. */
  const delta = (index: number, fields: string) => {
    if (announced.has(index)) return `{${fields}}`;
    announced.add(index);
    return `{"role":"assistant",${fields}}`;
  };
  return {
    part(part) {
      const index = 'choice' in part && part.choice !== undefined ? part.choice : 0;
      switch (part.type) {
        case 'response-metadata':
          if (head === undefined) {
            if (part.id) id = part.id;
            if (part.created !== undefined) created = part.created;
            if (part.systemFingerprint) fingerprint = part.systemFingerprint;
          }
          return undefined;
        case 'text-delta':
          return chunk(index, delta(index, `"content":${JSON.stringify(part.text)}`), part.logprobs, null);
        case 'refusal-delta':
          return chunk(index, delta(index, `"refusal":${JSON.stringify(part.text)}`), undefined, null);
        case 'tool-call-delta':
          return chunk(
            index,
            delta(index, JSON.stringify(toolCallDelta(part)).slice(1, -1)),
            undefined,
            null,
          );
        case 'choice-finish':
          return chunk(index, '{}', undefined, wireFinishReason(part.finishReason));
      }
    },
    finish: (reason) => chunk(0, '{}', undefined, reason),
    usage: (usage) => `${headOf()},"choices":[],"usage":${JSON.stringify(usage)}}`,
  };
}

export function completionChunkFormat(model: string): ChunkFormat {
  const id = completionId('cmpl');
  const created = nowSeconds();
  const head = `{"id":"${id}","object":"text_completion","created":${created},"model":${JSON.stringify(model)}`;
  const chunk = (text: string, index: number, finish: string | null) =>
    `${head},"choices":[{"text":${JSON.stringify(text)},"index":${index},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}`;
  return {
    part(part) {
      if (part.type === 'text-delta' && part.text) return chunk(part.text, part.choice ?? 0, null);
      if (part.type === 'choice-finish') return chunk('', part.choice, wireFinishReason(part.finishReason));
      return undefined;
    },
    finish: (reason) => chunk('', 0, reason),
    usage: (usage) => `${head},"choices":[],"usage":${JSON.stringify(usage)}}`,
  };
}
