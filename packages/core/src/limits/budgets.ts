import { type Logger, principalKey, type RequestContext, silentLogger } from '@llm-gateway/spec';
import type { Redis } from 'ioredis';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { GatewayMetrics } from '../metrics.js';
import { type BudgetPeriod, periodWindow } from './budget-period.js';
import { type BudgetScope, matches, scopeValue } from './budget-scope.js';
import { storeCounter, warnOnce } from './limiter-store.js';
import { rateLimitedError } from './rate-limit-headers.js';

export interface BudgetSettings {
  name: string;
  scope: BudgetScope;
  /** Only this scope value (a principal key or id, a project); absent: each value has a budget of its own. */
  match?: string;
  period: BudgetPeriod;
  usd?: number;
  tokens?: number;
  /** Percent of the limit that, once crossed, logs a warning and counts `gateway_budget_soft_crossed_total`. */
  softPercent?: number;
}

export interface BudgetOptions {
  budgets: readonly BudgetSettings[];
  store?: 'memory' | 'redis';
  redis?: Redis;
  keyPrefix?: string;
  log?: Logger;
  metrics?: GatewayMetrics;
  now?: () => Date;
}

/** What a request is expected to spend, or spent. */
export interface Spend {
  tokens: number;
  usd: number;
}

type Unit = 'usd' | 'tokens';

/** One counter a request holds points of until it settles. */
interface Held {
  budget: BudgetSettings;
  unit: Unit;
  key: string;
  points: number;
  limit: number;
}

export interface BudgetHold {
  readonly held: readonly Held[];
}

export interface BudgetStatus {
  name: string;
  scope: BudgetScope;
  /** The scope value counted (`null` for a budget with `match` nothing has used yet). */
  key: string | null;
  period: BudgetPeriod;
  usd: { limit: number; used: number } | null;
  tokens: { limit: number; used: number } | null;
  resets_at: string;
}

export interface Budgets {
  /** Reserves the estimate on every budget the request falls under; throws the 429 `budget_exceeded` if one is spent. */
  reserve(context: RequestContext, estimate: Spend): Promise<BudgetHold | undefined>;
  /** Whether any budget counts this request: the estimate (a tokenizer count) is made only then. */
  applies(context: RequestContext): boolean;
  /** Replaces the reservation by what the request spent (0 for a failure or a cache hit: a refund). */
  settle(hold: BudgetHold | undefined, spent: Spend): Promise<void>;
  status(): Promise<BudgetStatus[]>;
  readonly usdBudgets: boolean;
}

// USD counts in micro-dollars: the counters are integers (Redis INCRBY), and a request costs fractions of a cent.
const MICRO = 1_000_000;
const UNCAPPED = Number.MAX_SAFE_INTEGER;
const periodSeconds: Record<BudgetPeriod, number> = { day: 2 * 86_400, month: 32 * 86_400 };

/** A principal's own budgets (a managed key's), each on that principal alone. */
function ownBudgets(context: RequestContext): BudgetSettings[] {
  const own = context.principal.budgets;
  if (!own) return [];
  const key = principalKey(context.principal);
  return own.map((budget) => ({
    name: `${key}:${budget.period}`,
    scope: 'principal',
    match: key,
    period: budget.period,
    ...(budget.usd === undefined ? {} : { usd: budget.usd }),
    ...(budget.tokens === undefined ? {} : { tokens: budget.tokens }),
  }));
}

const toPoints = (unit: Unit, amount: number) =>
  Math.max(0, Math.ceil(unit === 'usd' ? amount * MICRO : amount));
const fromPoints = (unit: Unit, points: number) => (unit === 'usd' ? points / MICRO : points);

/**
 * Budgets in USD and tokens per calendar period, on the rate limiter's counters (rate-limiter-flexible: an atomic
 * INCRBY in Redis shared by every instance, memory otherwise): reserve, check and roll back, settle the difference.
 */
export function createBudgets(options: BudgetOptions): Budgets {
  const store = options.store ?? 'memory';
  const prefix = options.keyPrefix ?? 'llmgw:budget';
  const log = options.log ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const storeFailed = warnOnce(log, 'Budget store failed');
  const counters = new Map<string, RateLimiterAbstract>();
  const seen = new Set<string>();
  const softCrossed = new Set<string>();

  function counter(unit: Unit, period: BudgetPeriod): RateLimiterAbstract {
    const keyPrefix = `${prefix}:${unit}-${period}`;
    let made = counters.get(keyPrefix);
    if (!made) {
      made = storeCounter(store, options.redis, {
        points: UNCAPPED,
        duration: periodSeconds[period],
        keyPrefix,
      });
      counters.set(keyPrefix, made);
    }
    return made;
  }

  const limitOf = (budget: BudgetSettings, unit: Unit) => budget[unit];

  async function give(held: Held, points: number): Promise<void> {
    if (points > 0) await counter(held.unit, held.budget.period).reward(held.key, points).catch(storeFailed);
  }

  /** Logs and counts a soft threshold once per budget, key and period (a Redis SET NX when shared). */
  async function noteSoft(held: Held, before: number, after: number): Promise<void> {
    const percent = held.budget.softPercent;
    if (percent === undefined) return;
    const threshold = (held.limit * percent) / 100;
    if (!(before < threshold && after >= threshold)) return;
    const flag = `${prefix}:soft:${held.unit}:${held.key}`;
    if (softCrossed.has(flag)) return;
    softCrossed.add(flag);
    if (store === 'redis' && options.redis) {
      const first = await options.redis
        .set(flag, '1', 'EX', periodSeconds[held.budget.period], 'NX')
        .catch(() => 'OK');
      if (first !== 'OK') return;
    }
    options.metrics?.budgetSoftCrossed.inc({ budget: held.budget.name });
    log.warn(
      { budget: held.budget.name, key: held.key, unit: held.unit, percent },
      `budget ${held.budget.name} passed ${percent}% of its ${held.unit === 'usd' ? 'USD' : 'token'} limit`,
    );
  }

  function refusal(held: Held, used: number, resetsAt: Date) {
    const unit = held.unit === 'usd' ? 'USD' : 'tokens';
    const limit = held.limit;
    const left = Math.max(0, limit - used);
    options.metrics?.budgetRefusals.inc({ budget: held.budget.name });
    return rateLimitedError(
      {
        limit: held.unit === 'usd' ? limit : Math.floor(limit),
        remaining: 0,
        resetMs: resetsAt.getTime() - Date.now(),
      },
      {
        message: `Budget ${held.budget.name} exceeded: ${left} ${unit} left this ${held.budget.period} of ${limit}, not enough for this request; it resets at ${resetsAt.toISOString()}`,
        code: 'budget_exceeded',
        headerSuffix: '-Budget',
      },
    );
  }

  /** The budgets a request falls under, with the scope value it is counted by. */
  function budgetsOf(context: RequestContext): { budget: BudgetSettings; value: string }[] {
    const found: { budget: BudgetSettings; value: string }[] = [];
    for (const budget of [...options.budgets, ...ownBudgets(context)]) {
      const value = scopeValue(budget.scope, context);
      if (value !== undefined && matches(budget.match, value, context)) found.push({ budget, value });
    }
    return found;
  }

  async function reserve(context: RequestContext, estimate: Spend): Promise<BudgetHold | undefined> {
    const at = now();
    const held: Held[] = [];
    try {
      for (const { budget, value } of budgetsOf(context)) {
        const window = periodWindow(budget.period, at);
        for (const unit of ['usd', 'tokens'] as const) {
          const limit = limitOf(budget, unit);
          if (limit === undefined) continue;
          const key = `${budget.name}|${window.id}|${value}`;
          seen.add(`${unit}|${budget.period}|${key}`);
          const points = Math.max(1, toPoints(unit, estimate[unit]));
          const entry: Held = { budget, unit, key, points, limit };
          const after = await counter(unit, budget.period)
            .consume(key, points)
            .catch((error: unknown) => {
              storeFailed(error);
              return undefined;
            });
          if (!after) continue;
          held.push(entry);
          const used = fromPoints(unit, after.consumedPoints);
          if (used > limit)
            throw refusal(entry, fromPoints(unit, after.consumedPoints - points), window.resetsAt);
          await noteSoft(entry, fromPoints(unit, after.consumedPoints - points), used);
        }
      }
    } catch (error) {
      // Refused: nothing this request took may stay held.
      await Promise.all(held.map((entry) => give(entry, entry.points)));
      throw error;
    }
    return held.length === 0 ? undefined : { held };
  }

  async function settle(hold: BudgetHold | undefined, spent: Spend): Promise<void> {
    if (!hold) return;
    for (const entry of hold.held) {
      const delta = toPoints(entry.unit, spent[entry.unit]) - entry.points;
      if (delta < 0) await give(entry, -delta);
      else if (delta > 0) {
        // Counted even past the limit: the call already happened; the next reservation is refused.
        const after = await counter(entry.unit, entry.budget.period)
          .consume(entry.key, delta)
          .catch((error: unknown) => void storeFailed(error));
        if (after) {
          const used = fromPoints(entry.unit, after.consumedPoints);
          await noteSoft(entry, fromPoints(entry.unit, after.consumedPoints - delta), used);
        }
      }
    }
  }

  async function keysOf(unit: Unit, budget: BudgetSettings, periodId: string): Promise<string[]> {
    const head = `${budget.name}|${periodId}|`;
    const local = [...seen]
      .filter((id) => id.startsWith(`${unit}|${budget.period}|${head}`))
      .map((id) => id.slice(`${unit}|${budget.period}|`.length));
    if (store !== 'redis' || !options.redis) return local;
    const pattern = `${prefix}:${unit}-${budget.period}:${head.replace(/[*?[\]\\]/g, '\\$&')}*`;
    const found = new Set(local);
    let cursor = '0';
    try {
      do {
        const [next, keys] = await options.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        for (const key of keys) found.add(key.slice(`${prefix}:${unit}-${budget.period}:`.length));
      } while (cursor !== '0');
    } catch (error) {
      storeFailed(error);
    }
    return [...found];
  }

  async function status(): Promise<BudgetStatus[]> {
    const at = now();
    const rows = new Map<string, BudgetStatus>();
    for (const budget of options.budgets) {
      const window = periodWindow(budget.period, at);
      for (const unit of ['usd', 'tokens'] as const) {
        const limit = limitOf(budget, unit);
        if (limit === undefined) continue;
        for (const key of await keysOf(unit, budget, window.id)) {
          const value = key.slice(`${budget.name}|${window.id}|`.length);
          const current = await counter(unit, budget.period)
            .get(key)
            .catch(() => null);
          const row = rows.get(`${budget.name}|${value}`) ?? {
            name: budget.name,
            scope: budget.scope,
            key: value,
            period: budget.period,
            usd: null,
            tokens: null,
            resets_at: window.resetsAt.toISOString(),
          };
          row[unit] = { limit, used: fromPoints(unit, current?.consumedPoints ?? 0) };
          rows.set(`${budget.name}|${value}`, row);
        }
      }
      if (![...rows.values()].some((row) => row.name === budget.name)) {
        rows.set(`${budget.name}|`, {
          name: budget.name,
          scope: budget.scope,
          key: budget.match ?? null,
          period: budget.period,
          usd: budget.usd === undefined ? null : { limit: budget.usd, used: 0 },
          tokens: budget.tokens === undefined ? null : { limit: budget.tokens, used: 0 },
          resets_at: window.resetsAt.toISOString(),
        });
      }
    }
    return [...rows.values()];
  }

  const applies = (context: RequestContext) => budgetsOf(context).length > 0;
  return {
    reserve,
    applies,
    settle,
    status,
    usdBudgets: options.budgets.some((budget) => budget.usd !== undefined),
  };
}
