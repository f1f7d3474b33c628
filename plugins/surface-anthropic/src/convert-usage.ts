import type { Usage } from '@llm-gateway/spec';
import type { WireUsage } from './wire.js';

/** Normalized usage as Anthropic's; the upstream's prompt cache is not known here, so its counts are 0. */
export function convertUsage(usage: Usage | undefined): WireUsage {
  return {
    input_tokens: usage?.promptTokens ?? 0,
    output_tokens: usage?.completionTokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}
