import type { UsageFigures, UsageKey, UsageQuery, UsageReport, UsageRow } from '@llm-gateway/spec';
import { type Histogram, percentiles } from './latency-histogram.js';
import type { UsageCounters } from './usage-rollup.js';

/** One row's running figures, filled from raw-record groups or rollup documents alike. */
export interface Figures extends UsageCounters {
  errors: Record<string, number>;
  llm: Histogram;
  overhead: Histogram;
}

interface Row extends Figures {
  bucket?: string;
  keys: Partial<Record<UsageKey, string | null>>;
}

export function emptyFigures(): Figures {
  return {
    requests: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
    errors: {},
    cache_hits: 0,
    llm: new Map(),
    overhead: new Map(),
  };
}

function figuresOf(acc: Figures): UsageFigures {
  return {
    requests: acc.requests,
    prompt_tokens: acc.prompt_tokens,
    completion_tokens: acc.completion_tokens,
    total_tokens: acc.total_tokens,
    // Summed floats: rounded to a billionth of a dollar so 0.1 + 0.2 reads 0.3.
    cost_usd: Math.round(acc.cost_usd * 1e9) / 1e9,
    errors: acc.errors,
    cache_hits: acc.cache_hits,
    cache_hit_rate: acc.requests === 0 ? 0 : acc.cache_hits / acc.requests,
    llm_latency_ms: percentiles(acc.llm),
    gateway_overhead_ms: percentiles(acc.overhead),
  };
}

/** Rows keyed by bucket and group keys, plus the totals over all of them. */
export function createReport(query: UsageQuery) {
  const rows = new Map<string, Row>();
  const totals = emptyFigures();
  return {
    totals,
    /** The row of a time bucket (absent: no bucket) and the group's key values. */
    row(bucket: Date | undefined, keys: Row['keys']): Figures {
      const key = JSON.stringify([bucket ?? null, ...query.groupBy.map((k) => keys[k])]);
      let row = rows.get(key);
      if (!row) {
        row = { ...emptyFigures(), keys, ...(bucket ? { bucket: bucket.toISOString() } : {}) };
        rows.set(key, row);
      }
      return row;
    },
    done(source: UsageReport['source']): UsageReport {
      const list: UsageRow[] = [...rows.values()].map(({ bucket, keys, ...acc }) => ({
        ...(bucket ? { bucket } : {}),
        keys,
        ...figuresOf(acc),
      }));
      list.sort(
        (a, b) =>
          (a.bucket ?? '').localeCompare(b.bucket ?? '') ||
          b.total_tokens - a.total_tokens ||
          JSON.stringify(a.keys).localeCompare(JSON.stringify(b.keys)),
      );
      return { source, totals: figuresOf(totals), rows: list };
    },
  };
}
