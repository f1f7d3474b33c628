import { createPriceBook, type PriceBook } from '@llm-gateway/core';
import type { Logger } from '@llm-gateway/spec';
import type { Profile } from '../profile/index.js';
import { systemOfPlugin } from './tracing.js';

/** The pipeline's price book: each backend instance's provider from its plugin, the profile's prices first. */
export function pricingOptions(profile: Profile, log: Logger): { pricing?: PriceBook } {
  if (!profile.pricing.enabled) return {};
  const providers = new Map(
    Object.entries(profile.backends).map(([name, instance]) => [name, systemOfPlugin(instance.plugin)]),
  );
  const pricing = createPriceBook({
    providers,
    backends: profile.pricing.backends,
    unknownModel: profile.pricing.unknownModel,
    log,
  });
  return { pricing };
}
