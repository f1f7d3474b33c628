import {
  USAGE_KEY_FIELDS,
  type UsageFigures,
  type UsageKey,
  type UsageQuery,
  type UsageReport,
  type UsageRow,
} from '@llm-gateway/spec';
import type { Collection, Document } from 'mongodb';
import { addCount, type Histogram, percentiles } from './latency-histogram.js';
import type { TelemetryDocument } from './mongo-sink.js';

/**
 * One $group per figure, each with a single accumulator: FerretDB 1.24 computes only the first
 * accumulator of a $group (the others come back 0). The pipelines run at once and merge here.
 */
const FIGURES = {
  counts: { extra: { error: '$error_type', cache: '$cache_hit' }, sum: 1 },
  prompt: { extra: {}, sum: '$prompt_tokens' },
  completion: { extra: {}, sum: '$completion_tokens' },
  total: { extra: {}, sum: '$total_tokens' },
  llm: { extra: { latency: '$usage.llm_bucket' }, sum: 1 },
  overhead: { extra: { latency: '$usage.overhead_bucket' }, sum: 1 },
} as const;
type Figure = keyof typeof FIGURES;

interface Accumulator {
  bucket?: string;
  keys: Partial<Record<UsageKey, string | null>>;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  errors: Record<string, number>;
  cache_hits: number;
  llm: Histogram;
  overhead: Histogram;
}

/** The $match stage: fields the indexes lead with (timestamp, principal, project, model). */
export function usageMatch(query: UsageQuery): Document {
  const match: Document = {};
  if (query.from || query.to) {
    match['timestamp'] = {
      ...(query.from ? { $gte: query.from } : {}),
      ...(query.to ? { $lt: query.to } : {}),
    };
  }
  for (const [key, value] of Object.entries(query.filters)) {
    if (value !== undefined) match[USAGE_KEY_FIELDS[key as UsageKey]] = value;
  }
  return match;
}

function groupId(query: UsageQuery, figure: Figure): Document {
  const id: Document = { ...FIGURES[figure].extra };
  if (query.bucket) id['bucket'] = `$usage.${query.bucket}`;
  for (const key of query.groupBy) id[key] = `$${USAGE_KEY_FIELDS[key]}`;
  return id;
}

function emptyAccumulator(): Omit<Accumulator, 'keys'> {
  return {
    requests: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    errors: {},
    cache_hits: 0,
    llm: new Map(),
    overhead: new Map(),
  };
}

function add(into: Omit<Accumulator, 'keys'>, figure: Figure, id: Document, n: number): void {
  if (figure === 'counts') {
    into.requests += n;
    if (typeof id['error'] === 'string') into.errors[id['error']] = (into.errors[id['error']] ?? 0) + n;
    if (id['cache'] === true) into.cache_hits += n;
  } else if (figure === 'prompt') into.prompt_tokens += n;
  else if (figure === 'completion') into.completion_tokens += n;
  else if (figure === 'total') into.total_tokens += n;
  else if (typeof id['latency'] === 'number') addCount(into[figure], id['latency'], n);
}

function figuresOf(acc: Omit<Accumulator, 'keys'>): UsageFigures {
  return {
    requests: acc.requests,
    prompt_tokens: acc.prompt_tokens,
    completion_tokens: acc.completion_tokens,
    total_tokens: acc.total_tokens,
    errors: acc.errors,
    cache_hits: acc.cache_hits,
    cache_hit_rate: acc.requests === 0 ? 0 : acc.cache_hits / acc.requests,
    llm_latency_ms: percentiles(acc.llm),
    gateway_overhead_ms: percentiles(acc.overhead),
  };
}

function rowOf(query: UsageQuery, id: Document): Accumulator {
  const keys: Accumulator['keys'] = {};
  for (const key of query.groupBy) keys[key] = typeof id[key] === 'string' ? id[key] : null;
  const bucket = id['bucket'] instanceof Date ? id['bucket'].toISOString() : undefined;
  return { ...emptyAccumulator(), keys, ...(bucket ? { bucket } : {}) };
}

export async function queryUsage(
  collection: Collection<TelemetryDocument>,
  query: UsageQuery,
): Promise<UsageReport> {
  const match = usageMatch(query);
  const results = await Promise.all(
    (Object.keys(FIGURES) as Figure[]).map(async (figure) => {
      const groups = await collection
        .aggregate<{ _id: Document; n: number }>([
          { $match: match },
          { $group: { _id: groupId(query, figure), n: { $sum: FIGURES[figure].sum } } },
        ])
        .toArray();
      return { figure, groups };
    }),
  );
  const rows = new Map<string, Accumulator>();
  const totals = emptyAccumulator();
  for (const { figure, groups } of results) {
    for (const { _id, n } of groups) {
      const id = _id ?? {};
      const row = rowOf(query, id);
      const key = JSON.stringify([row.bucket ?? null, ...query.groupBy.map((k) => row.keys[k])]);
      const existing = rows.get(key) ?? row;
      rows.set(key, existing);
      add(existing, figure, id, n);
      add(totals, figure, id, n);
    }
  }
  const list: UsageRow[] = [...rows.values()].map(({ bucket, keys, ...acc }) => ({
    ...(bucket ? { bucket } : {}),
    keys,
    ...figuresOf(acc),
  }));
  list.sort((a, b) => (a.bucket ?? '').localeCompare(b.bucket ?? '') || b.total_tokens - a.total_tokens);
  return { totals: figuresOf(totals), rows: list };
}
