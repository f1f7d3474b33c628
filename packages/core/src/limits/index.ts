export {
  type AuthFailureThrottle,
  type AuthFailureThrottleOptions,
  createAuthFailureThrottle,
} from './auth-failure-throttle.js';
export { type BudgetPeriod, type PeriodWindow, periodWindow } from './budget-period.js';
export { type BudgetScope, scopeValue } from './budget-scope.js';
export {
  type BudgetHold,
  type BudgetOptions,
  type BudgetSettings,
  type BudgetStatus,
  type Budgets,
  createBudgets,
  type Spend,
} from './budgets.js';
export {
  type ConcurrencyLimiter,
  type ConcurrencyLimiterOptions,
  capacityError,
  createConcurrencyLimiter,
} from './concurrency.js';
export { type RateLimitState, rateLimitedError, rateLimitHeaders } from './rate-limit-headers.js';
export {
  burstWindow,
  createRateLimiter,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitSnapshot,
  type TokenReservation,
} from './rate-limiter.js';
