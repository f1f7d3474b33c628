import type { ChatRequest } from '@llm-gateway/spec';
import { countPromptTokens, countTokens } from './usage.js';

/**
 * The prompt tokens of a request by the gateway's tokenizer: its messages as the usage estimate counts
 * them, plus the tool definitions and the tool calls of the history, which also reach the model.
 */
export async function countRequestTokens(request: ChatRequest): Promise<number> {
  const extra: string[] = [];
  if (request.tools && request.tools.length > 0) extra.push(JSON.stringify(request.tools));
  for (const message of request.messages) {
    for (const call of message.toolCalls ?? []) extra.push(call.function.name, call.function.arguments);
  }
  const prompt = await countPromptTokens(request.messages);
  return extra.length === 0 ? prompt : prompt + (await countTokens(extra.join('\n')));
}
