/** A budget's calendar period, in UTC. */
export type BudgetPeriod = 'day' | 'month';

export interface PeriodWindow {
  /** `2026-12-07` or `2026-12`: part of the counter's key, so each period starts from 0. */
  id: string;
  /** When the next period starts. */
  resetsAt: Date;
}

/** The UTC day or month that `now` falls in. */
export function periodWindow(period: BudgetPeriod, now: Date): PeriodWindow {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  if (period === 'month') {
    return { id: now.toISOString().slice(0, 7), resetsAt: new Date(Date.UTC(year, month + 1, 1)) };
  }
  return {
    id: now.toISOString().slice(0, 10),
    resetsAt: new Date(Date.UTC(year, month, now.getUTCDate() + 1)),
  };
}
