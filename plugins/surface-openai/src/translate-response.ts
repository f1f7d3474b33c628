import { randomUUID } from 'node:crypto';
import type { CallMeta, ChatResult, FinishReason, ModelInfo, Usage } from '@llm-gateway/spec';
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

export function chatCompletionBody(result: ChatResult, meta: CallMeta) {
  return {
    id: completionId('chatcmpl'),
    object: 'chat.completion',
    created: result.created || nowSeconds(),
    model: meta.requestedModel,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: result.text },
        logprobs: null,
        finish_reason: wireFinishReason(result.finishReason),
      },
    ],
    usage: wireUsage(result.usage, meta.cached),
    system_fingerprint: null,
  };
}

export function completionBody(result: ChatResult, meta: CallMeta) {
  return {
    id: completionId('cmpl'),
    object: 'text_completion',
    created: result.created || nowSeconds(),
    model: meta.requestedModel,
    choices: [
      { text: result.text, index: 0, logprobs: null, finish_reason: wireFinishReason(result.finishReason) },
    ],
    usage: wireUsage(result.usage, meta.cached),
  };
}

export function modelBody(model: ModelInfo) {
  return { id: model.id, object: 'model', created: model.created, owned_by: model.backend };
}

/** Serializes the chunks of one stream; the constant prefix is built once per stream. */
export interface ChunkFormat {
  /** The chunk sent before any text (chat announces the assistant role), if any. */
  opening(): string | undefined;
  delta(text: string): string;
  finish(reason: WireFinishReason): string;
  usage(usage: WireUsage): string;
}

export function chatChunkFormat(model: string): ChunkFormat {
  const id = completionId('chatcmpl');
  const created = nowSeconds();
  const head = `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)}`;
  const choice = `${head},"choices":[{"index":0,"delta":`;
  return {
    opening: () => `${choice}{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
    delta: (text) => `${choice}{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]}`,
    finish: (reason) => `${choice}{},"logprobs":null,"finish_reason":"${reason}"}]}`,
    usage: (usage) => `${head},"choices":[],"usage":${JSON.stringify(usage)}}`,
  };
}

export function completionChunkFormat(model: string): ChunkFormat {
  const id = completionId('cmpl');
  const created = nowSeconds();
  const head = `{"id":"${id}","object":"text_completion","created":${created},"model":${JSON.stringify(model)}`;
  const choice = `${head},"choices":[{"text":`;
  return {
    opening: () => undefined,
    delta: (text) => `${choice}${JSON.stringify(text)},"index":0,"logprobs":null,"finish_reason":null}]}`,
    finish: (reason) => `${choice}"","index":0,"logprobs":null,"finish_reason":"${reason}"}]}`,
    usage: (usage) => `${head},"choices":[],"usage":${JSON.stringify(usage)}}`,
  };
}
