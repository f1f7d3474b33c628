import { type Logger, type PrincipalLimits, silentLogger } from '@llm-gateway/spec';
import type { Redis } from 'ioredis';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { storeCounter, warnOnce } from './limiter-store.js';
import { type RateLimitState, rateLimitedError, rateLimitHeaders } from './rate-limit-headers.js';

export interface RateLimiterOptions {
  /** `redis` shares counts between gateway instances (default `memory`). */
  store?: 'memory' | 'redis';
  /** Required for the redis store; create it with `createRedisConnection` (no offline queue). */
  redis?: Redis;
  /** Default per-principal requests per minute; 0 or less means unlimited. */
  requestsPerMinute: number;
  /** Most requests allowed in a short burst (default: the whole minute's allowance). */
  burst?: number;
  /** Default per-principal tokens per day; absent, 0 or less means unlimited. */
  tokensPerDay?: number;
  /** Key namespace in the store (default `llmgw:rl`). */
  keyPrefix?: string;
  log?: Logger;
}

export interface RateLimitDecision extends RateLimitState {
  /** `X-RateLimit-*` headers for the response. */
  headers: Record<string, string>;
}

export interface TokenReservation extends RateLimitDecision {
  /** The points taken from the day's budget, to hand back to `settleTokens`. */
  reserved: number;
}

export interface RateLimitSnapshot {
  /** Requests per minute of the default bucket. */
  rate: number;
  /** Requests left in the key's current minute; null when unlimited. */
  tokens_available: number | null;
}

export interface RateLimiter {
  readonly requestsPerMinute: number;
  /** Counts one request; throws a `rate_limited` GatewayError (429, Retry-After) when over the limit. */
  consumeRequest(principalKey: string, limits?: PrincipalLimits): Promise<RateLimitDecision>;
  /**
   * Before a call: takes `tokens` (at least 1) from the day's budget, so concurrent calls cannot all
   * spend the same remainder; throws when they do not fit. Undefined without a day budget.
   */
  reserveTokens(
    principalKey: string,
    tokens: number,
    limits?: PrincipalLimits,
  ): Promise<TokenReservation | undefined>;
  /** After a call: replaces a reservation by the tokens actually used (0 refunds it). */
  settleTokens(principalKey: string, reserved: number, used: number): Promise<void>;
  /** Records tokens used outside a reservation (may overshoot the budget; the next reservation refuses). */
  consumeTokens(principalKey: string, tokens: number, limits?: PrincipalLimits): Promise<void>;
  /** The `/metrics` view of one key's bucket (default `anonymous`). */
  snapshot(principalKey?: string): Promise<RateLimitSnapshot>;
}

interface Effective {
  rpm: number;
  /** Points and window (seconds) of the burst counter, when one applies. */
  burst: { points: number; window: number } | undefined;
  tpd: number | undefined;
}

const DAY_SECONDS = 86_400;
/** Counters never refuse by themselves: each one is shared by every limit setting, compared below. */
const UNCAPPED = Number.MAX_SAFE_INTEGER;

/**
 * The short counter standing in for a token bucket of size `burst` refilled at rpm/60 per second:
 * `burst` requests per `burst * 60 / rpm` seconds. Store windows are whole seconds, so the window
 * is rounded down (never slowing the long-run rate below rpm) and is at least 1 s, in which case
 * the burst is raised to one second's worth of requests.
 */
export function burstWindow(rpm: number, burst: number): { points: number; window: number } {
  const window = Math.max(1, Math.floor((burst * 60) / rpm));
  return { window, points: Math.max(Math.floor(burst), Math.ceil((rpm * window) / 60)) };
}

/**
 * Requests per minute with burst, modelled with two fixed-window counters that must both allow:
 * - a minute window of `rpm` requests (the rate the seed promises, e.g. 100/min);
 * - when `burst` < `rpm`, a short window of `burst` requests lasting `burst * 60 / rpm` seconds
 *   ({@link burstWindow}): a fixed-window stand-in for a token bucket of size `burst` refilled at
 *   rpm/60 per second. It keeps the long-run rate at rpm while capping how fast a client may spend
 *   its minute. Without `burst` the whole minute's allowance may be used at once.
 * Tokens per day is a 24 h window that starts at the key's first recorded usage.
 * Counters are per (kind, window) and shared by every limit setting, so a principal with its own
 * limits keeps its count when they change, the same with either store. With the redis store each
 * counter has an in-memory insurance counter used while Redis is unreachable, so requests keep
 * being served (limited per instance) during an outage.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const store = options.store ?? 'memory';
  if (store === 'redis' && !options.redis)
    throw new TypeError('The redis rate-limit store needs a redis client');
  const prefix = options.keyPrefix ?? 'llmgw:rl';
  const log = options.log ?? silentLogger;
  const counters = new Map<string, RateLimiterAbstract>();
  const storeFailed = warnOnce(log, 'Rate limiter store failed');

  function counter(kind: string, duration: number): RateLimiterAbstract {
    const keyPrefix = `${prefix}:${kind}${duration}`;
    const existing = counters.get(keyPrefix);
    if (existing) return existing;
    const made = storeCounter(store, options.redis, { points: UNCAPPED, duration, keyPrefix });
    counters.set(keyPrefix, made);
    return made;
  }

  function effectiveFor(limits?: PrincipalLimits): Effective {
    const rpm = limits?.requestsPerMinute ?? options.requestsPerMinute;
    // A principal that sets its own rate without a burst may use its whole minute at once.
    const burst = limits?.burst ?? (limits?.requestsPerMinute === undefined ? options.burst : undefined);
    return {
      rpm,
      burst:
        rpm > 0 && burst !== undefined && burst >= 1 && burst < rpm ? burstWindow(rpm, burst) : undefined,
      tpd: limits?.tokensPerDay ?? options.tokensPerDay,
    };
  }

  // Most principals have no limits of their own: their settings are worked out once.
  const defaults = effectiveFor(undefined);
  const effective = (limits?: PrincipalLimits): Effective => (limits ? effectiveFor(limits) : defaults);
  let minuteCounter: RateLimiterAbstract | undefined;
  let dayCounter: RateLimiterAbstract | undefined;
  const perMinute = (): RateLimiterAbstract => {
    minuteCounter ??= counter('rpm', 60);
    return minuteCounter;
  };
  const perDay = (): RateLimiterAbstract => {
    dayCounter ??= counter('tpd', DAY_SECONDS);
    return dayCounter;
  };

  /** Adds points to a counter; undefined only if the store and its insurance both failed (then allow). */
  function add(c: RateLimiterAbstract, key: string, points: number): Promise<RateLimiterRes | undefined> {
    // A plain promise chain, not an async wrapper: this runs on every request.
    return c.consume(key, points).catch((error: unknown) => {
      storeFailed(error);
      return undefined;
    });
  }

  function read(c: RateLimiterAbstract, key: string): Promise<RateLimiterRes | null> {
    return c.get(key).catch((error: unknown) => {
      storeFailed(error);
      return null;
    });
  }

  return {
    requestsPerMinute: options.requestsPerMinute,

    async consumeRequest(principalKey, limits) {
      const e = effective(limits);
      if (!(e.rpm > 0)) return { limit: 0, remaining: 0, resetMs: 0, headers: {} };
      const minuteCounter = perMinute();
      const minute = await add(minuteCounter, principalKey, 1);
      if (!minute) return { limit: e.rpm, remaining: e.rpm, resetMs: 60_000, headers: {} };
      if (minute.consumedPoints > e.rpm) {
        throw rateLimitedError({ limit: e.rpm, remaining: 0, resetMs: minute.msBeforeNext });
      }
      let remaining = e.rpm - minute.consumedPoints;
      if (e.burst) {
        const burst = await add(counter('burst', e.burst.window), principalKey, 1);
        if (burst && burst.consumedPoints > e.burst.points) {
          // The request is refused, so it must not count against the minute either.
          await minuteCounter.reward(principalKey, 1).catch(() => {});
          throw rateLimitedError({ limit: e.rpm, remaining: 0, resetMs: burst.msBeforeNext });
        }
        if (burst) remaining = Math.min(remaining, e.burst.points - burst.consumedPoints);
      }
      const state = { limit: e.rpm, remaining, resetMs: minute.msBeforeNext };
      return { ...state, headers: rateLimitHeaders(state) };
    },

    async reserveTokens(principalKey, tokens, limits) {
      const { tpd } = effective(limits);
      if (tpd === undefined || !(tpd > 0)) return undefined;
      const points = Math.max(1, Math.ceil(tokens));
      const day = perDay();
      const after = await add(day, principalKey, points);
      if (!after) return undefined;
      if (after.consumedPoints > tpd) {
        // Refused, so it must not hold any of the budget.
        await day.reward(principalKey, points).catch(storeFailed);
        const left = Math.max(0, tpd - (after.consumedPoints - points));
        throw rateLimitedError(
          { limit: tpd, remaining: left, resetMs: after.msBeforeNext },
          {
            message:
              left === 0
                ? 'Daily token limit exceeded'
                : `Daily token limit exceeded: ${left} tokens left today, this request reserves ${points} (its max_tokens)`,
            code: 'token_limit_exceeded',
            headerSuffix: '-Tokens',
          },
        );
      }
      const state = { limit: tpd, remaining: tpd - after.consumedPoints, resetMs: after.msBeforeNext };
      return { ...state, reserved: points, headers: rateLimitHeaders(state, '-Tokens') };
    },

    async settleTokens(principalKey, reserved, used) {
      const delta = Math.max(0, Math.ceil(used)) - reserved;
      if (delta > 0) await add(perDay(), principalKey, delta);
      else if (delta < 0) await perDay().reward(principalKey, -delta).catch(storeFailed);
    },

    async consumeTokens(principalKey, tokens, limits) {
      const { tpd } = effective(limits);
      const points = Math.ceil(tokens);
      if (tpd === undefined || !(tpd > 0) || !(points > 0)) return;
      // Counted even past the budget: the call already happened; the next check refuses.
      await add(perDay(), principalKey, points);
    },

    async snapshot(principalKey = 'anonymous') {
      const rpm = options.requestsPerMinute;
      if (!(rpm > 0)) return { rate: 0, tokens_available: null };
      const current = await read(perMinute(), principalKey);
      return { rate: rpm, tokens_available: Math.max(0, rpm - (current?.consumedPoints ?? 0)) };
    },
  };
}
