import { type Backend, silentLogger } from '@llm-gateway/spec';
import { createMetrics } from '../metrics.js';
import { createPipeline, type PipelineOptions } from '../pipeline.js';
import type { RoutingConfig } from '../router.js';

/** A pipeline over the given backends (by name) with its own metrics registry and a silent log. */
export function pipelineOver(
  backends: Backend[],
  routing: RoutingConfig,
  extra: Partial<PipelineOptions> = {},
) {
  const metrics = createMetrics({ defaultMetrics: false });
  const map = new Map<string, Backend>(backends.map((b) => [b.name, b]));
  const pipeline = createPipeline({ backends: map, routing, log: silentLogger, metrics, ...extra });
  return { pipeline, metrics, text: () => metrics.registry.metrics() };
}
