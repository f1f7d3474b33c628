import { GatewayError, type Logger, type Usage } from '@llm-gateway/spec';
import { costOf } from './cost-of.js';
import { freePrices, type ModelPrices, tablePrices } from './model-prices.js';

/** What a model without a known price costs: nothing (a warning once per model), or a refusal before the call. */
export type UnknownModelPolicy = 'zero' | 'refuse';

export interface PricingOptions {
  /** The provider behind each backend instance (`openai`, `anthropic`, `ollama`...), as the price table names it. */
  providers: ReadonlyMap<string, string>;
  /** The profile's prices by backend instance and upstream model, before the table (USD per million tokens). */
  backends?: Readonly<Record<string, { models?: Readonly<Record<string, ModelPrices>> }>>;
  unknownModel?: UnknownModelPolicy;
  /** Providers that cost nothing unless the profile says otherwise (default: self-hosted `ollama`). */
  freeProviders?: readonly string[];
  log: Logger;
}

export interface PriceBook {
  /** The prices of a backend's model, or undefined when neither the profile nor the table knows it. */
  pricesOf(backend: string, model: string): ModelPrices | undefined;
  /** USD of a request's usage: 0 for an unknown model (warned once per model). */
  cost(backend: string, model: string, usage: Usage): number;
  /** Throws a 400 `model_not_priced` before the call when the policy is `refuse` and the model has no price. */
  check(backend: string, model: string): void;
}

/** Prices from the profile first, then the maintained table; each lookup is remembered. */
export function createPriceBook(options: PricingOptions): PriceBook {
  const free = new Set(options.freeProviders ?? ['ollama']);
  const known = new Map<string, ModelPrices | undefined>();
  const warned = new Set<string>();
  const policy = options.unknownModel ?? 'zero';

  function pricesOf(backend: string, model: string): ModelPrices | undefined {
    const id = `${backend}\u0000${model}`;
    if (known.has(id)) return known.get(id);
    const provider = options.providers.get(backend) ?? backend;
    const prices =
      options.backends?.[backend]?.models?.[model] ??
      (free.has(provider) ? freePrices : tablePrices(provider, model));
    known.set(id, prices);
    return prices;
  }

  function cost(backend: string, model: string, usage: Usage): number {
    const prices = pricesOf(backend, model);
    if (prices) return costOf(prices, usage);
    const id = `${backend}/${model}`;
    if (!warned.has(id)) {
      warned.add(id);
      options.log.warn(
        { backend, model },
        `no price for model ${model} on backend ${backend}: its requests count as costing 0 USD (add it under pricing.backends.${backend}.models)`,
      );
    }
    return 0;
  }

  function check(backend: string, model: string): void {
    if (policy !== 'refuse' || pricesOf(backend, model)) return;
    throw new GatewayError(
      'invalid_request',
      `The model ${model} on backend ${backend} has no known price, and this gateway refuses unpriced models`,
      { code: 'model_not_priced', param: 'model' },
    );
  }

  return { pricesOf, cost, check };
}
