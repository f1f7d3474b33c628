import type { CallMeta, ChatResult } from '@llm-gateway/spec';
import { convertUsage } from './convert-usage.js';
import { mapStopReason } from './map-stop-reason.js';
import { messageId } from './message-id.js';
import type { WireContentBlock, WireMessageResponse } from './wire.js';

/** Tool arguments are JSON text the model wrote; Anthropic's `input` is an object, so text that is not one is kept under `_raw`. */
export function toolInput(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Not JSON: kept as it came.
  }
  return { _raw: text };
}

function contentOf(result: ChatResult): WireContentBlock[] {
  const blocks: WireContentBlock[] = [];
  // No signature: the reasoning did not come from Anthropic, so there is nothing to verify.
  if (result.reasoning) blocks.push({ type: 'thinking', thinking: result.reasoning, signature: '' });
  const text = result.refusal && !result.text ? result.refusal : result.text;
  if (text) blocks.push({ type: 'text', text });
  for (const call of result.toolCalls ?? []) {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: toolInput(call.function.arguments),
    });
  }
  return blocks;
}

/** A translated answer as an Anthropic Message; the model is the one the client asked for. */
export function messageBody(result: ChatResult, meta: CallMeta): WireMessageResponse {
  return {
    id: messageId(result.id, meta),
    type: 'message',
    role: 'assistant',
    model: meta.requestedModel,
    content: contentOf(result),
    ...mapStopReason({
      finishReason: result.finishReason,
      stopSequence: result.stopSequence,
      calledTools: (result.toolCalls?.length ?? 0) > 0,
      refused: result.refusal !== undefined,
    }),
    usage: convertUsage(result.usage),
  };
}

/** The Anthropic backend's own answer, with the id and model the translated path would give. */
export function nativeMessageBody(body: Record<string, unknown>, meta: CallMeta): Record<string, unknown> {
  return { ...body, id: messageId(body.id, meta), model: meta.requestedModel };
}

/** The answer to send: the native body when the backend answered in the Messages API, else the translation. */
export function responseBody(
  result: ChatResult,
  meta: CallMeta,
): Record<string, unknown> | WireMessageResponse {
  const native = result.native;
  if (native?.wire === 'anthropic-messages') return nativeMessageBody(native.body, meta);
  return messageBody(result, meta);
}
