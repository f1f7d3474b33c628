import type { GatewayPipeline } from '@llm-gateway/core';
import type { HealthContribution } from './health-route.js';
import type { PipelineFeatures } from './pipeline-features.js';

/** The backend that serves the default model first: the one the seed's single breaker stood for. */
async function primaryBackend(pipeline: GatewayPipeline): Promise<string | undefined> {
  try {
    return (await pipeline.router.resolve(undefined)).targets[0]?.backend;
  } catch {
    return pipeline.backendNames[0];
  }
}

function redisConnected(features: PipelineFeatures): boolean | null {
  return features.redis ? features.redis.status === 'ready' : null;
}

/**
 * `/metrics` as JSON: the DeepSeek gateway seed's body (`circuit_breaker`, `rate_limiter`,
 * `cache_enabled`, `streaming_enabled`) plus every backend's breaker and a few extras.
 */
export function seedMetricsJson(pipeline: GatewayPipeline, features: PipelineFeatures) {
  return async () => {
    const breakers = pipeline.breakers();
    const primary = await primaryBackend(pipeline);
    const threshold = Object.values(breakers)[0]?.failure_threshold ?? 5;
    const limiter = pipeline.rateLimiter;
    const rate = limiter ? await limiter.snapshot() : { rate: 0, tokens_available: null };
    return {
      circuit_breaker: (primary && breakers[primary]) || {
        state: 'closed',
        failure_count: 0,
        failure_threshold: threshold,
      },
      rate_limiter: { rate: rate.rate, tokens_available: rate.tokens_available, enabled: !!limiter },
      cache_enabled: pipeline.cache !== undefined,
      streaming_enabled: pipeline.streamingEnabled,
      circuit_breakers: breakers,
      circuit_breaker_backend: primary ?? null,
      redis_connected: redisConnected(features),
      concurrency: pipeline.concurrency
        ? {
            max_concurrent: pipeline.concurrency.maxConcurrent,
            in_flight: pipeline.concurrency.inFlight(),
            queued: pipeline.concurrency.queued(),
          }
        : null,
    };
  };
}

/**
 * `/health` facts of the pipeline's features. Redis being down degrades the cache (misses) and the
 * rate limits (per instance) but every request is still served, so it never makes the answer 503.
 */
export function featureHealth(pipeline: GatewayPipeline, features: PipelineFeatures) {
  return (): HealthContribution => ({
    healthy: true,
    fields: {
      redis_connected: redisConnected(features),
      circuit_breakers: pipeline.breakers(),
      cache: {
        enabled: pipeline.cache !== undefined,
        store: features.stores.cache,
        ttl_seconds: pipeline.cache?.ttlSeconds ?? null,
      },
      rate_limit: {
        enabled: pipeline.rateLimiter !== undefined,
        store: features.stores.rateLimit,
        requests_per_minute: pipeline.rateLimiter?.requestsPerMinute ?? null,
      },
      streaming_enabled: pipeline.streamingEnabled,
    },
  });
}
