import type { BreakerSnapshot, GatewayPipeline } from '@llm-gateway/core';
import type { HealthContribution } from './health-route.js';
import type { PipelineFeatures } from './pipeline-features.js';

/** `backend` for /health when the default model's route names an enabled one; else the route's own guess stays. */
async function defaultBackendField(pipeline: GatewayPipeline): Promise<{ backend?: string }> {
  const backend = await primaryBackend(pipeline);
  return backend !== undefined && pipeline.backendNames.includes(backend) ? { backend } : {};
}

/**
 * `model` for /health when the default model is a route named after its backend (inference.yaml's
 * `defaultModel: ${MODEL_BACKEND}`): the model that backend runs, as the seed reported it.
 */
async function defaultModelField(pipeline: GatewayPipeline): Promise<{ model?: string }> {
  try {
    const route = await pipeline.router.resolve(undefined);
    const target = route.targets[0];
    return target !== undefined && route.requestedModel === target.backend ? { model: target.model } : {};
  } catch {
    return {};
  }
}

/** The backend that serves the default model first: the one the seed's single breaker stood for. */
async function primaryBackend(pipeline: GatewayPipeline): Promise<string | undefined> {
  try {
    return (await pipeline.router.resolve(undefined)).targets[0]?.backend;
  } catch {
    return pipeline.backendNames[0];
  }
}

const severity = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * The breaker the seed's single `circuit_breaker` stands for: the worst one, so an open breaker anywhere
 * shows (on all-surfaces the default model's backend may be healthy while another surface's is open);
 * on a tie, the default model's backend.
 */
export function reportedBreaker(
  breakers: Record<string, BreakerSnapshot>,
  primary: string | undefined,
): [string, BreakerSnapshot] | undefined {
  let chosen: [string, BreakerSnapshot] | undefined =
    primary && breakers[primary] ? [primary, breakers[primary]] : undefined;
  for (const [name, breaker] of Object.entries(breakers)) {
    if (!chosen || severity[breaker.state] > severity[chosen[1].state]) chosen = [name, breaker];
  }
  return chosen;
}

/** Longest a health check waits for PONG when the client sets no shorter command timeout. */
const pingTimeoutMs = 1000;

/**
 * Whether Redis answers: a PING, bounded by the client's command timeout. The socket state alone says
 * `ready` for a Redis that is frozen (SIGSTOP, swapped out) while every command times out.
 */
export async function redisConnected(features: PipelineFeatures): Promise<boolean | null> {
  const redis = features.redis;
  if (!redis) return null;
  if (redis.status !== 'ready') return false;
  const timeoutMs = Math.min(redis.options.commandTimeout ?? pingTimeoutMs, pingTimeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      redis.ping().then(
        (reply) => reply === 'PONG',
        () => false,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/metrics` as JSON: the DeepSeek gateway seed's body (`circuit_breaker`, `rate_limiter`,
 * `cache_enabled`, `streaming_enabled`) plus every backend's breaker and a few extras.
 */
export function seedMetricsJson(pipeline: GatewayPipeline, features: PipelineFeatures) {
  return async () => {
    const breakers = pipeline.breakers();
    const reported = reportedBreaker(breakers, await primaryBackend(pipeline));
    const threshold = Object.values(breakers)[0]?.failure_threshold ?? 5;
    const limiter = pipeline.rateLimiter;
    const rate = limiter ? await limiter.snapshot() : { rate: 0, tokens_available: null };
    return {
      circuit_breaker: reported?.[1] ?? { state: 'closed', failure_count: 0, failure_threshold: threshold },
      rate_limiter: { rate: rate.rate, tokens_available: rate.tokens_available, enabled: !!limiter },
      cache_enabled: pipeline.cache !== undefined,
      streaming_enabled: pipeline.streamingEnabled,
      circuit_breakers: breakers,
      circuit_breaker_backend: reported?.[0] ?? null,
      redis_connected: await redisConnected(features),
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
  return async (): Promise<HealthContribution> => ({
    healthy: true,
    fields: {
      // The backend serving the default model (not the first one configured), as the seeds' /health meant.
      ...(await defaultBackendField(pipeline)),
      ...(await defaultModelField(pipeline)),
      redis_connected: await redisConnected(features),
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
