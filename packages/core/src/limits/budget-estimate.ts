import type { ChatRequest, Principal } from '@llm-gateway/spec';
import type { PriceBook } from '../cost/price-book.js';
import { countRequestTokens } from '../count-request-tokens.js';
import type { ResolvedTarget } from '../router.js';
import type { Spend } from './budgets.js';

/** The most a request may spend: its prompt plus its max_tokens (else the principal's default), at the dearest target's prices. */
export async function estimateSpend(
  request: ChatRequest,
  targets: readonly ResolvedTarget[],
  principal: Principal,
  pricing: PriceBook | undefined,
): Promise<Spend> {
  const defaults = principal.defaults;
  const reply = request.maxTokens ?? defaults?.maxTokens ?? defaults?.maxTokensLimit ?? 1;
  const prompt = await countRequestTokens(request);
  const usage = { promptTokens: prompt, completionTokens: reply, totalTokens: prompt + reply };
  let usd = 0;
  if (pricing)
    for (const target of targets) usd = Math.max(usd, pricing.cost(target.backend, target.model, usage));
  return { tokens: usage.totalTokens, usd };
}
