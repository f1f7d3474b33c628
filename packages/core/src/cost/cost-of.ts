import type { Usage } from '@llm-gateway/spec';
import type { ModelPrices } from './model-prices.js';

const perMillion = 1_000_000;

/** The prices that apply to a request of this many prompt tokens (a tier from its threshold on). */
function pricesAt(prices: ModelPrices, promptTokens: number): Omit<ModelPrices, 'tiers'> {
  let chosen: Omit<ModelPrices, 'tiers'> = prices;
  for (const tier of prices.tiers ?? []) if (promptTokens > tier.promptTokens) chosen = tier;
  return chosen;
}

/** USD of one request's tokens: uncached prompt at `input`, cached prompt at `cachedInput`, reply at `output`. */
export function costOf(prices: ModelPrices, usage: Usage): number {
  const chosen = pricesAt(prices, usage.promptTokens);
  const cached = Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens);
  const usd =
    (usage.promptTokens - cached) * chosen.input +
    cached * (chosen.cachedInput ?? chosen.input) +
    usage.completionTokens * chosen.output;
  return usd / perMillion;
}
