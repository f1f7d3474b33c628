/** Turns OpenAI-wire stream chunks into stream parts, one upstream delta to one part, in order. */
import type { ChatStreamPart, FinishReason } from '@llm-gateway/spec';
import { mapOpenAICompatibleFinishReason, type OpenAICompatibleChunk } from './wire.js';

export interface ChunkReading {
  /** The response metadata part went out (it is taken from the first chunk that has any). */
  metadataSent: boolean;
  /** Choice 0's finish reason, once seen. */
  finishReason?: FinishReason;
}

/** `choice` only when it is not 0, so single-choice parts stay as they always were. */
function at(choice: number): { choice?: number } {
  return choice === 0 ? {} : { choice };
}

export function* partsOfChunk(
  chunk: OpenAICompatibleChunk,
  reading: ChunkReading,
): Generator<ChatStreamPart> {
  if (!reading.metadataSent && (chunk.id || chunk.system_fingerprint)) {
    reading.metadataSent = true;
    const metadata: Extract<ChatStreamPart, { type: 'response-metadata' }> = { type: 'response-metadata' };
    if (chunk.id) metadata.id = chunk.id;
    if (typeof chunk.created === 'number') metadata.created = chunk.created;
    if (chunk.system_fingerprint) metadata.systemFingerprint = chunk.system_fingerprint;
    yield metadata;
  }
  for (const choice of chunk.choices ?? []) {
    const index = choice.index ?? 0;
    const delta = choice.delta;
    if (typeof delta?.content === 'string') {
      yield {
        type: 'text-delta',
        text: delta.content,
        ...at(index),
        ...(choice.logprobs ? { logprobs: choice.logprobs } : {}),
      };
    }
    if (delta?.refusal) yield { type: 'refusal-delta', text: delta.refusal, ...at(index) };
    for (const [position, call] of (delta?.tool_calls ?? []).entries()) {
      const part: Extract<ChatStreamPart, { type: 'tool-call-delta' }> = {
        type: 'tool-call-delta',
        ...at(index),
        index: call.index ?? position,
      };
      if (call.id) part.id = call.id;
      if (call.function?.name) part.name = call.function.name;
      if (typeof call.function?.arguments === 'string') part.arguments = call.function.arguments;
      yield part;
    }
    if (choice.finish_reason) {
      const reason = mapOpenAICompatibleFinishReason(choice.finish_reason);
      if (index === 0) reading.finishReason = reason;
      else yield { type: 'choice-finish', choice: index, finishReason: reason };
    }
  }
}
