import type { Message, Usage } from '@llm-gateway/spec';
import { defaultTokenCountLimits, type TokenCountLimits, type Tokenizer } from './token-count.js';
import { TokenizerWorker } from './tokenizer-worker.js';

// Counts run in a thread started on first use: a gateway whose upstreams report usage never loads the ranks.
const worker = new TokenizerWorker();

/** True once some count needed the encoder (and its thread was started). */
export function tokenizerStarted(): boolean {
  return worker.started();
}

/** Ends the tokenizer thread once its counts are answered (a later count starts it again). */
export function closeTokenizer(): Promise<void> {
  return worker.close();
}

let tokenizer: Promise<Tokenizer> | undefined;

/**
 * Loads the o200k_base encoder into this thread once (68 MiB of heap, a second of CPU): for callers that
 * want the encoder itself. countTokens and countPromptTokens never use it; they count in the worker.
 */
export function loadTokenizer(): Promise<Tokenizer> {
  tokenizer ??= Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/o200k_base')]).then(
    ([lite, ranks]) => ({ encoder: new lite.Tiktoken(ranks.default), pattern: ranks.default.pat_str }),
  );
  return tokenizer;
}

/** Tokens of a plain text; special-token markers are counted as ordinary text, never rejected. */
export function countTokens(
  text: string,
  limits: TokenCountLimits = defaultTokenCountLimits,
): Promise<number> {
  return worker.count([text], limits);
}

// OpenAI's chat format spends about 3 tokens per message on role markers, plus 3 to prime the reply.
const perMessageTokens = 3;
const replyPrimingTokens = 3;

export async function countPromptTokens(
  messages: readonly Message[],
  limits: TokenCountLimits = defaultTokenCountLimits,
): Promise<number> {
  let overhead = replyPrimingTokens;
  const texts: string[] = [];
  for (const message of messages) {
    overhead += perMessageTokens;
    texts.push(message.content, message.role);
    if (message.name) {
      overhead += 1;
      texts.push(message.name);
    }
  }
  return overhead + (await worker.count(texts, limits));
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
