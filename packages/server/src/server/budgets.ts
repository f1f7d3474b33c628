import { type Budgets, createBudgets, createRedisConnection, type GatewayMetrics } from '@llm-gateway/core';
import type { Logger } from '@llm-gateway/spec';
import type { Profile } from '../profile/index.js';

type Redis = ReturnType<typeof createRedisConnection>;

/**
 * The profile's budgets on Redis when it has `redis.url` (the pipeline's connection, else one of their own),
 * so every instance counts against the same totals; in memory otherwise.
 */
export function buildBudgets(
  profile: Profile,
  pipelineRedis: Redis | undefined,
  metrics: GatewayMetrics,
  log: Logger,
): { options: { budgets?: Budgets }; close(): Promise<void> } {
  // Managed keys (the admin API) may carry budgets of their own.
  if (profile.budgets.length === 0 && profile.admin.keys.length === 0)
    return { options: {}, close: async () => {} };
  const url = profile.redis.url;
  const own =
    url && !pipelineRedis
      ? createRedisConnection(url, {
          connectTimeoutMs: profile.redis.connectTimeoutMs,
          commandTimeoutMs: profile.redis.commandTimeoutMs,
        })
      : undefined;
  const redis = pipelineRedis ?? own;
  const budgets = createBudgets({
    budgets: profile.budgets,
    store: redis ? 'redis' : 'memory',
    ...(redis ? { redis } : {}),
    keyPrefix: `llmgw:${profile.service.name}:budget`,
    log,
    metrics,
  });
  if (budgets.usdBudgets && !profile.pricing.enabled)
    log.warn('budgets in USD need pricing; with pricing.enabled false every request costs 0 USD');
  return {
    options: { budgets },
    async close() {
      await own?.quit().catch(() => own.disconnect());
    },
  };
}
