import { anonymousPrincipal, type RequestContext, silentLogger } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.js';
import { periodWindow } from './budget-period.js';
import { createBudgets } from './budgets.js';

function contextOf(id: string, project?: string): RequestContext {
  return {
    requestId: 'r',
    surface: 'api',
    endpoint: 'chat.completions',
    principal: {
      id,
      kind: 'api_key',
      scheme: 'keys',
      ...(project ? { attributes: { project_name: project } } : {}),
    },
    signal: new AbortController().signal,
    log: silentLogger,
    annotations: {},
  };
}

describe('budget periods', () => {
  it('are calendar UTC days and months', () => {
    const at = new Date('2026-12-31T23:59:59.999Z');
    expect(periodWindow('day', at)).toEqual({ id: '2026-12-31', resetsAt: new Date('2027-01-01T00:00:00Z') });
    expect(periodWindow('month', at)).toEqual({ id: '2026-12', resetsAt: new Date('2027-01-01T00:00:00Z') });
  });
});

describe('budgets in memory', () => {
  it('reserve, refuse what does not fit, settle to the real spend, and start again with the next period', async () => {
    let now = new Date('2026-03-10T12:00:00Z');
    const metrics = createMetrics();
    const budgets = createBudgets({
      budgets: [{ name: 'team', scope: 'project', period: 'day', usd: 1 }],
      now: () => now,
      metrics,
    });
    const alpha = contextOf('a', 'alpha');
    const first = await budgets.reserve(alpha, { tokens: 10, usd: 0.6 });
    await expect(budgets.reserve(contextOf('b', 'alpha'), { tokens: 10, usd: 0.6 })).rejects.toMatchObject({
      status: 429,
      code: 'budget_exceeded',
      message: expect.stringContaining('Budget team exceeded'),
    });
    // Each refusal is counted for the budget-exhausted alert (deploy/prometheus).
    expect(await metrics.registry.getSingleMetricAsString('gateway_budget_refusals_total')).toContain(
      'gateway_budget_refusals_total{budget="team"} 1',
    );
    // Another project has a budget of its own; a principal without a project is under none.
    expect(await budgets.reserve(contextOf('c', 'beta'), { tokens: 10, usd: 0.6 })).toBeDefined();
    expect(await budgets.reserve(contextOf('d'), { tokens: 10, usd: 5 })).toBeUndefined();
    await budgets.settle(first, { tokens: 10, usd: 0.3 });
    const second = await budgets.reserve(alpha, { tokens: 10, usd: 0.6 });
    expect(second).toBeDefined();
    const status = await budgets.status();
    expect(status.find((row) => row.key === 'alpha')?.usd).toEqual({ limit: 1, used: 0.9 });
    now = new Date('2026-03-11T00:00:00Z');
    expect(await budgets.reserve(alpha, { tokens: 10, usd: 0.9 })).toBeDefined();
  });

  // Regression: the memory counter's 32-day expiry overflowed setTimeout and fired after 1 ms.
  it('keeps a monthly budget spent in memory past the first millisecond', async () => {
    const budgets = createBudgets({
      budgets: [{ name: 'month', scope: 'project', period: 'month', usd: 1 }],
    });
    await budgets.reserve(contextOf('a', 'alpha'), { tokens: 10, usd: 0.9 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(budgets.reserve(contextOf('b', 'alpha'), { tokens: 10, usd: 0.9 })).rejects.toMatchObject({
      code: 'budget_exceeded',
    });
  });

  it('leaves anonymous callers out of every scope but principal, and honours match', async () => {
    const budgets = createBudgets({
      budgets: [{ name: 'one', scope: 'key', match: 'keys:vip', period: 'month', tokens: 5 }],
      log: silentLogger,
    });
    // Outside every budget: nothing to estimate (the pipeline skips the tokenizer count).
    expect(budgets.applies(contextOf('other'))).toBe(false);
    expect(budgets.applies(contextOf('vip'))).toBe(true);
    expect(await budgets.reserve(contextOf('other'), { tokens: 100, usd: 0 })).toBeUndefined();
    await expect(budgets.reserve(contextOf('vip'), { tokens: 100, usd: 0 })).rejects.toMatchObject({
      code: 'budget_exceeded',
    });
    const anonymous = { ...contextOf('x'), principal: anonymousPrincipal };
    expect(await budgets.reserve(anonymous, { tokens: 100, usd: 0 })).toBeUndefined();
  });
});
