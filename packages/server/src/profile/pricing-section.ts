import { z } from 'zod';
import { envNumber } from './coerce.js';

const usdPerMillion = envNumber(z.number().nonnegative());

/** One model's prices in USD per million tokens (`cachedInput` defaults to `input`). */
const modelPrices = z.strictObject({
  input: usdPerMillion,
  cachedInput: usdPerMillion.optional(),
  output: usdPerMillion,
});

/**
 * What requests cost: the maintained price table (`@pydantic/genai-prices`) by each backend's provider, with the
 * profile's own prices per backend instance and upstream model first. Self-hosted Ollama costs 0 unless priced here.
 */
export const pricingSection = z
  .strictObject({
    /** Off: no cost on records, spans or metrics, and no USD budgets. */
    enabled: z.boolean().default(true),
    backends: z
      .record(z.string(), z.strictObject({ models: z.record(z.string(), modelPrices).default({}) }))
      .default({}),
    /** A model priced nowhere: `zero` (counted as free, a warning once per model) or `refuse` (400 before the call). */
    unknownModel: z.enum(['zero', 'refuse']).default('zero'),
  })
  .prefault({});

export type PricingSettings = z.infer<typeof pricingSection>;
