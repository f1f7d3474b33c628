export {
  type BreakerRegistry,
  type BreakerRegistryOptions,
  type BreakerSnapshot,
  type BreakerState,
  circuitOpenError,
  createBreakerRegistry,
  isBackendFailure,
} from './circuit-breaker.js';
export {
  type FallbackOptions,
  type FallbackResult,
  planTargets,
  type RoutePlan,
  runFallback,
  selectTargets,
  type WeightedTarget,
} from './fallback.js';
export {
  backoffDelay,
  isRetryableError,
  type RetryOptions,
  type RetryResult,
  retriesOf,
  withRetry,
} from './retry.js';
export { cancelledError, sleep } from './sleep.js';
