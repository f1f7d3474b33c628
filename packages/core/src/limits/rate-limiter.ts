import { type Logger, type PrincipalLimits, silentLogger } from '@llm-gateway/spec';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
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
  /** Before a call: throws when the day's token budget is already spent. */
  checkTokens(principalKey: string, limits?: PrincipalLimits): Promise<RateLimitDecision | undefined>;
  /** After a call: records the tokens it actually used (may overshoot the budget; the next check refuses). */
  consumeTokens(principalKey: string, tokens: number, limits?: PrincipalLimits): Promise<void>;
  /** The `/metrics` view of one key's bucket (default `anonymous`). */
  snapshot(principalKey?: string): Promise<RateLimitSnapshot>;
}

interface Effective {
  rpm: number;
  burst: number | undefined;
  tpd: number | undefined;
}

interface LimiterSet {
  minute?: RateLimiterAbstract;
  burst?: RateLimiterAbstract;
  day?: RateLimiterAbstract;
}

const DAY_SECONDS = 86_400;

/**
 * Requests per minute with burst, modelled with two fixed-window counters that must both allow:
 * - a minute window of `rpm` points (the rate the seed promises, e.g. 100/min);
 * - when `burst` < `rpm`, a short window of `burst` points lasting `burst * 60 / rpm` seconds
 *   (rounded to whole seconds, at least 1), i.e. a token bucket of size `burst` refilled at rpm/60
 *   per second, approximated: it keeps the long-run rate at rpm while capping how fast a client
 *   may spend its minute. Without `burst` the whole minute's allowance may be used at once.
 * Tokens per day is a 24 h window that starts at the key's first recorded usage.
 * With the redis store, each counter has an in-memory insurance limiter with the same limits,
 * used while Redis is unreachable, so requests keep being served (per instance) during an outage.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const store = options.store ?? 'memory';
  if (store === 'redis' && !options.redis)
    throw new TypeError('The redis rate-limit store needs a redis client');
  const prefix = options.keyPrefix ?? 'llmgw:rl';
  const log = options.log ?? silentLogger;
  const sets = new Map<string, LimiterSet>();
  let loggedInsurance = false;

  const defaults: Effective = {
    rpm: options.requestsPerMinute,
    burst: options.burst,
    tpd: options.tokensPerDay,
  };

  function make(kind: string, points: number, duration: number): RateLimiterAbstract {
    const keyPrefix = `${prefix}:${kind}`;
    if (store === 'memory') return new RateLimiterMemory({ points, duration, keyPrefix });
    const insurance = new RateLimiterMemory({ points, duration, keyPrefix });
    return new RateLimiterRedis({
      storeClient: options.redis,
      points,
      duration,
      keyPrefix,
      // Go to the insurance at once while disconnected instead of waiting on a dead socket.
      rejectIfRedisNotReady: true,
      insuranceLimiter: insurance,
    });
  }

  function effective(limits?: PrincipalLimits): Effective {
    return {
      rpm: limits?.requestsPerMinute ?? defaults.rpm,
      burst: limits?.burst ?? (limits?.requestsPerMinute === undefined ? defaults.burst : undefined),
      tpd: limits?.tokensPerDay ?? defaults.tpd,
    };
  }

  function limitersFor(e: Effective): LimiterSet {
    const id = `${e.rpm}/${e.burst ?? ''}/${e.tpd ?? ''}`;
    const existing = sets.get(id);
    if (existing) return existing;
    const set: LimiterSet = {};
    if (e.rpm > 0) {
      set.minute = make('rpm', e.rpm, 60);
      if (e.burst !== undefined && e.burst > 0 && e.burst < e.rpm) {
        const window = Math.max(1, Math.round((e.burst * 60) / e.rpm));
        set.burst = make(`burst${window}`, Math.max(1, Math.floor(e.burst)), window);
      }
    }
    if (e.tpd !== undefined && e.tpd > 0) set.day = make('tpd', e.tpd, DAY_SECONDS);
    sets.set(id, set);
    return set;
  }

  /** Runs one counter operation; a rejection that is not a RateLimiterRes is a store failure. */
  async function attempt(op: () => Promise<RateLimiterRes>): Promise<{ ok: boolean; res: RateLimiterRes }> {
    try {
      return { ok: true, res: await op() };
    } catch (error) {
      if (error instanceof RateLimiterRes) return { ok: false, res: error };
      // Only reachable if the insurance itself failed: serve the request rather than fail it.
      if (!loggedInsurance) {
        loggedInsurance = true;
        log.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'Rate limiter store failed',
        );
      }
      return { ok: true, res: new RateLimiterRes(Number.MAX_SAFE_INTEGER, 0, 0, false) };
    }
  }

  return {
    requestsPerMinute: defaults.rpm,

    async consumeRequest(principalKey, limits) {
      const e = effective(limits);
      const set = limitersFor(e);
      if (!set.minute) return { limit: 0, remaining: 0, resetMs: 0, headers: {} };
      const minute = await attempt(() => set.minute!.consume(principalKey, 1));
      if (!minute.ok)
        throw rateLimitedError({ limit: e.rpm, remaining: 0, resetMs: minute.res.msBeforeNext });
      let remaining = minute.res.remainingPoints;
      if (set.burst) {
        const burst = await attempt(() => set.burst!.consume(principalKey, 1));
        if (!burst.ok) {
          // The request is refused, so it must not count against the minute either.
          await set.minute.reward(principalKey, 1).catch(() => {});
          throw rateLimitedError({
            limit: e.rpm,
            remaining: 0,
            resetMs: burst.res.msBeforeNext,
          });
        }
        remaining = Math.min(remaining, burst.res.remainingPoints);
      }
      const state = { limit: e.rpm, remaining, resetMs: minute.res.msBeforeNext };
      return { ...state, headers: rateLimitHeaders(state) };
    },

    async checkTokens(principalKey, limits) {
      const e = effective(limits);
      const day = limitersFor(e).day;
      if (!day || e.tpd === undefined) return undefined;
      const current = await day.get(principalKey).catch(() => null);
      const used = current?.consumedPoints ?? 0;
      const state = {
        limit: e.tpd,
        remaining: e.tpd - used,
        resetMs: current?.msBeforeNext ?? DAY_SECONDS * 1000,
      };
      if (used >= e.tpd) {
        throw rateLimitedError(state, {
          message: 'Daily token limit exceeded',
          code: 'token_limit_exceeded',
          headerSuffix: '-Tokens',
        });
      }
      return { ...state, headers: rateLimitHeaders(state, '-Tokens') };
    },

    async consumeTokens(principalKey, tokens, limits) {
      const day = limitersFor(effective(limits)).day;
      const points = Math.ceil(tokens);
      if (!day || !(points > 0)) return;
      // penalty() adds points without refusing: the call already happened.
      await day.penalty(principalKey, points).catch(() => {});
    },

    async snapshot(principalKey = 'anonymous') {
      const minute = limitersFor(defaults).minute;
      if (!minute) return { rate: 0, tokens_available: null };
      const current = await minute.get(principalKey).catch(() => null);
      return {
        rate: defaults.rpm,
        tokens_available: Math.max(0, defaults.rpm - (current?.consumedPoints ?? 0)),
      };
    },
  };
}
