import type { FinishReason } from '@llm-gateway/spec';
import type { WireStopReason } from './wire.js';

export interface StopFacts {
  finishReason: FinishReason;
  /** The stop sequence that ended the answer, when the upstream said which. */
  stopSequence?: string | undefined;
  /** Whether the answer called tools (some upstreams finish such answers with `stop`). */
  calledTools?: boolean;
  /** Whether the answer is a refusal. */
  refused?: boolean;
}

/** The normalized finish as Anthropic's `stop_reason` and `stop_sequence`. */
export function mapStopReason(facts: StopFacts): {
  stop_reason: WireStopReason;
  stop_sequence: string | null;
} {
  const { finishReason, stopSequence } = facts;
  if (finishReason === 'stop' && stopSequence !== undefined) {
    return { stop_reason: 'stop_sequence', stop_sequence: stopSequence };
  }
  const reason: WireStopReason =
    finishReason === 'length'
      ? 'max_tokens'
      : finishReason === 'tool_calls' || facts.calledTools
        ? 'tool_use'
        : finishReason === 'content_filter' || facts.refused
          ? 'refusal'
          : 'end_turn';
  return { stop_reason: reason, stop_sequence: null };
}
