/** Anthropic's `stop_reason` as a normalized finish reason. */
import type { FinishReason } from '@llm-gateway/spec';

export function mapAnthropicStopReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // pause_turn (a server tool's long turn, to be continued) and anything newer.
      return 'other';
  }
}
