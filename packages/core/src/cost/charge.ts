import type { RequestContext, Usage } from '@llm-gateway/spec';
import type { GatewayMetrics } from '../metrics.js';
import type { PriceBook } from './price-book.js';

/** Prices a request's usage on the backend that answered: its annotation (telemetry, spans) and the USD counter. */
export function chargeRequest(
  book: PriceBook,
  metrics: GatewayMetrics | undefined,
  context: RequestContext,
  target: { backend: string; model: string },
  usage: Usage,
): number {
  const usd = book.cost(target.backend, target.model, usage);
  context.annotations.costUsd = usd;
  if (usd > 0)
    metrics?.cost.inc({ backend: target.backend, model: target.model, surface: context.surface }, usd);
  return usd;
}
