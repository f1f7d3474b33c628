import { GatewayError, isGatewayError } from '@llm-gateway/spec';
import { cancelledError } from './sleep.js';

/**
 * One place a request can go. Targets sharing a `priority` form a group that shares load by
 * `weight`; groups are tried in ascending priority. Without `priority` a target's list index is
 * its priority, so a plain list is an ordered fallback chain (set priority on all targets or none).
 */
export interface WeightedTarget {
  backend: string;
  model: string;
  /** Relative share within its group (default 1; 0 = only when the rest of the group failed). */
  weight?: number;
  priority?: number;
}

/**
 * A profile route entry: `fallback` tries targets in list order (honouring explicit priorities),
 * `loadbalance` spreads requests over all targets by weight and falls back to the others.
 */
export interface RoutePlan<T extends WeightedTarget = WeightedTarget> {
  strategy: 'fallback' | 'loadbalance';
  targets: T[];
}

function weightOf(target: WeightedTarget): number {
  const weight = target.weight ?? 1;
  return Number.isFinite(weight) && weight > 0 ? weight : 0;
}

/** Weighted random order without replacement: each pick is proportional to the remaining weights. */
function weightedShuffle<T extends WeightedTarget>(group: T[], random: () => number): T[] {
  const pool = [...group];
  const out: T[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, t) => sum + weightOf(t), 0);
    let index = 0;
    if (total > 0) {
      let point = random() * total;
      index = pool.findIndex((t) => {
        point -= weightOf(t);
        return point < 0 && weightOf(t) > 0;
      });
      // Float rounding can leave `point` at ~0 past the end: take the last weighted target.
      if (index < 0) index = pool.map(weightOf).findLastIndex((w) => w > 0);
    }
    out.push(...pool.splice(index, 1));
  }
  return out;
}

/** Orders targets for one request: groups by ascending priority, weighted random order inside each. */
export function selectTargets<T extends WeightedTarget>(
  targets: readonly T[],
  random: () => number = Math.random,
): T[] {
  // Most routes have one target: nothing to group or shuffle (and no random draw, as below).
  if (targets.length <= 1) return [...targets];
  const groups = new Map<number, T[]>();
  targets.forEach((target, index) => {
    const priority = target.priority ?? index;
    const group = groups.get(priority);
    if (group) group.push(target);
    else groups.set(priority, [target]);
  });
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([, group]) => (group.length === 1 ? group : weightedShuffle(group, random)));
}

/** Orders a route entry's targets according to its strategy. */
export function planTargets<T extends WeightedTarget>(
  plan: RoutePlan<T>,
  random: () => number = Math.random,
): T[] {
  if (plan.strategy === 'loadbalance') return weightedShuffle([...plan.targets], random);
  return selectTargets(plan.targets, random);
}

export interface FallbackOptions<T> {
  signal?: AbortSignal;
  /** Which failures move on to the next target (default: retryable GatewayErrors, open breakers included). */
  shouldFallback?: (error: unknown) => boolean;
  /** Called when `target` failed and the chain moves on to the next one. */
  onFallback?: (error: unknown, target: T, index: number) => void;
}

export interface FallbackResult<T, V> {
  value: V;
  /** The target that answered. */
  target: T;
  /** Its position in the chain; > 0 means a fallback answered. */
  index: number;
}

function defaultShouldFallback(error: unknown): boolean {
  return isGatewayError(error) && error.isRetryable;
}

/**
 * Tries targets in order until one answers. A non-retryable error (the request itself is bad)
 * stops the chain; when every target fails, the last error is thrown.
 */
export async function runFallback<T, V>(
  targets: readonly T[],
  call: (target: T, index: number) => Promise<V>,
  options: FallbackOptions<T> = {},
): Promise<FallbackResult<T, V>> {
  if (targets.length === 0) {
    throw new GatewayError('unavailable', 'No backend is available for this model', { code: 'no_targets' });
  }
  const shouldFallback = options.shouldFallback ?? defaultShouldFallback;
  let lastError: unknown;
  for (const [index, target] of targets.entries()) {
    if (options.signal?.aborted) throw cancelledError(options.signal);
    try {
      return { value: await call(target, index), target, index };
    } catch (error) {
      lastError = error;
      if (options.signal?.aborted || !shouldFallback(error) || index === targets.length - 1) throw error;
      options.onFallback?.(error, target, index);
    }
  }
  throw lastError;
}
