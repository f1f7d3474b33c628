import type { Message, Usage } from '@llm-gateway/spec';
import type { Tiktoken } from 'js-tiktoken/lite';

let encoder: Promise<Tiktoken> | undefined;

/** Loads the o200k_base encoder once, on first use: its ranks are megabytes we only need without upstream usage. */
export function loadEncoder(): Promise<Tiktoken> {
  encoder ??= Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/o200k_base')]).then(
    ([lite, ranks]) => new lite.Tiktoken(ranks.default),
  );
  return encoder;
}

/** Tokens of a plain text; special-token markers are counted as ordinary text, never rejected. */
export async function countTokens(text: string): Promise<number> {
  if (!text) return 0;
  const enc = await loadEncoder();
  return enc.encode(text, [], []).length;
}

// OpenAI's chat format spends about 3 tokens per message on role markers, plus 3 to prime the reply.
const perMessageTokens = 3;
const replyPrimingTokens = 3;

export async function countPromptTokens(messages: readonly Message[]): Promise<number> {
  const enc = await loadEncoder();
  let total = replyPrimingTokens;
  for (const message of messages) {
    total +=
      perMessageTokens + enc.encode(message.content, [], []).length + enc.encode(message.role, [], []).length;
    if (message.name) total += 1 + enc.encode(message.name, [], []).length;
  }
  return total;
}

/** True when an upstream reported no usage at all (every count zero or missing). */
export function isEmptyUsage(usage: Usage | undefined): boolean {
  return !usage || (!usage.promptTokens && !usage.completionTokens && !usage.totalTokens);
}

/** Returns the upstream's usage when it gave one, otherwise a tokenizer estimate marked `estimated`. */
export async function resolveUsage(
  usage: Usage | undefined,
  messages: readonly Message[],
  completionText: string,
): Promise<Usage> {
  if (usage && !isEmptyUsage(usage)) return usage;
  const promptTokens = await countPromptTokens(messages);
  const completionTokens = await countTokens(completionText);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, estimated: true };
}
