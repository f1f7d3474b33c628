import { calcPrice } from '@pydantic/genai-prices';

/** USD per million tokens; `cachedInput` (prompt tokens the provider read from its cache) defaults to `input`. */
export interface ModelPrices {
  input: number;
  cachedInput?: number;
  output: number;
  /** Prices by prompt size: from `promptTokens` on, the whole request is charged at these (Anthropic's long context). */
  tiers?: readonly (Omit<ModelPrices, 'tiers'> & { promptTokens: number })[];
}

export const freePrices: ModelPrices = { input: 0, cachedInput: 0, output: 0 };

type TableValue = number | { base: number; tiers: { start: number; price: number }[] } | undefined;

const base = (value: TableValue): number => (typeof value === 'number' ? value : (value?.base ?? 0));

/** The maintained table's prices of one provider's model (`@pydantic/genai-prices`), or undefined when it has none. */
export function tablePrices(provider: string, model: string): ModelPrices | undefined {
  const found = calcPrice({ input_tokens: 0, output_tokens: 0 }, model, { providerId: provider });
  if (!found) return undefined;
  const table = found.model_price as Record<string, TableValue>;
  const input = table.input_mtok;
  const cached = table.cache_read_mtok;
  const output = table.output_mtok;
  const prices: ModelPrices = {
    input: base(input),
    output: base(output),
    ...(cached === undefined ? {} : { cachedInput: base(cached) }),
  };
  const starts = new Set<number>();
  for (const value of [input, cached, output])
    if (typeof value === 'object') for (const tier of value.tiers) starts.add(tier.start);
  if (starts.size === 0) return prices;
  const at = (value: TableValue, start: number): number => {
    if (typeof value !== 'object') return base(value);
    let price = value.base;
    for (const tier of value.tiers) if (tier.start <= start) price = tier.price;
    return price;
  };
  const tiers = [...starts]
    .sort((a, b) => a - b)
    .map((start) => ({
      promptTokens: start,
      input: at(input, start),
      output: at(output, start),
      ...(cached === undefined ? {} : { cachedInput: at(cached, start) }),
    }));
  return { ...prices, tiers };
}
