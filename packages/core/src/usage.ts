import type { Message, Usage } from '@llm-gateway/spec';
import { BoundedTokenCounter, type TokenCountLimits, type Tokenizer } from './token-count.js';

let tokenizer: Promise<Tokenizer> | undefined;

/** Loads the o200k_base encoder once, on first use: its ranks are megabytes we only need without upstream usage. */
export function loadTokenizer(): Promise<Tokenizer> {
  tokenizer ??= Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/o200k_base')]).then(
    ([lite, ranks]) => ({ encoder: new lite.Tiktoken(ranks.default), pattern: ranks.default.pat_str }),
  );
  return tokenizer;
}

/** Tokens of a plain text; special-token markers are counted as ordinary text, never rejected. */
export async function countTokens(text: string, limits?: TokenCountLimits): Promise<number> {
  if (!text) return 0;
  const counter = new BoundedTokenCounter(await loadTokenizer(), limits);
  await counter.add(text);
  return counter.total();
}

// OpenAI's chat format spends about 3 tokens per message on role markers, plus 3 to prime the reply.
const perMessageTokens = 3;
const replyPrimingTokens = 3;

export async function countPromptTokens(
  messages: readonly Message[],
  limits?: TokenCountLimits,
): Promise<number> {
  const counter = new BoundedTokenCounter(await loadTokenizer(), limits);
  let overhead = replyPrimingTokens;
  for (const message of messages) {
    overhead += perMessageTokens;
    await counter.add(message.content);
    await counter.add(message.role);
    if (message.name) {
      overhead += 1;
      await counter.add(message.name);
    }
  }
  return overhead + counter.total();
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
