/** Anthropic's usage as normalized usage: prompt-cache reads and writes are input the prompt cost, so they count as prompt tokens. */
import type { Usage } from '@llm-gateway/spec';

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export function convertAnthropicUsage(usage: AnthropicUsage): Usage {
  const promptTokens =
    (usage.input_tokens ?? 0) +
    (usage.cache_creation_input_tokens ?? 0) +
    (usage.cache_read_input_tokens ?? 0);
  const completionTokens = usage.output_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}
