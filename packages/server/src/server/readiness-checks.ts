import type { TaskQueue } from '@llm-gateway/spec';
import type { PipelineFeatures } from './pipeline-features.js';
import type { ReadinessCheck } from './probes.js';
import { redisConnected } from './status-reports.js';

/**
 * What `/readyz` asks of the stores: the cache/rate-limit Redis when the profile keeps them there (an
 * instance without it would count limits alone), and the task queue's store (submits would fail).
 * A store the profile does not use is not checked.
 */
export function readinessChecks(features: PipelineFeatures, queue: TaskQueue | undefined): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [];
  if (features.redis)
    checks.push({
      reason: 'redis_unreachable',
      check: async () => (await redisConnected(features)) === true,
    });
  const stats = queue?.stats?.bind(queue);
  if (stats)
    checks.push({
      reason: 'queue_store_unreachable',
      // queue-memory reports no `connected`: nothing outside the process to reach.
      check: async () => (await stats()).connected !== false,
    });
  return checks;
}
