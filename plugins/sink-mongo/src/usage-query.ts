import { USAGE_KEY_FIELDS, type UsageKey, type UsageQuery, type UsageReport } from '@llm-gateway/spec';
import type { Collection, Document } from 'mongodb';
import { addCount } from './latency-histogram.js';
import type { TelemetryDocument } from './telemetry-document.js';
import { createReport, type Figures } from './usage-report.js';

/**
 * One $group per figure, each with a single accumulator: FerretDB 1.24 computes only the first
 * accumulator of a $group (the others come back 0). The pipelines run at once and merge here.
 */
const FIGURES = {
  counts: { extra: { error: '$error_type', cache: '$cache_hit' }, sum: 1 },
  prompt: { extra: {}, sum: '$prompt_tokens' },
  completion: { extra: {}, sum: '$completion_tokens' },
  total: { extra: {}, sum: '$total_tokens' },
  cost: { extra: {}, sum: '$cost_usd' },
  llm: { extra: { latency: '$usage.llm_bucket' }, sum: 1 },
  overhead: { extra: { latency: '$usage.overhead_bucket' }, sum: 1 },
} as const;
type Figure = keyof typeof FIGURES;

/** The $match stage, first in every pipeline: fields the indexes lead with (timestamp, principal, project, model). */
export function usageMatch(query: UsageQuery): Document {
  const match: Document = {};
  if (query.from || query.to) {
    match['timestamp'] = {
      ...(query.from ? { $gte: query.from } : {}),
      ...(query.to ? { $lt: query.to } : {}),
    };
  }
  for (const [key, value] of Object.entries(query.filters)) {
    if (value === undefined) continue;
    // Records from before principal_key existed are filed under their bare principal id.
    if (key === 'principal') {
      match['$or'] = [{ principal_key: value }, { principal_key: null, principal_id: value }];
    } else match[USAGE_KEY_FIELDS[key as UsageKey]] = value;
  }
  return match;
}

const LEGACY_PRINCIPAL = 'legacy_principal';

/** A group's value of a key; a record without principal_key shows its bare principal id. */
function groupKey(id: Document, key: UsageKey): string | null {
  const value = key === 'principal' ? (id[key] ?? id[LEGACY_PRINCIPAL]) : id[key];
  return typeof value === 'string' ? value : null;
}

function groupId(query: UsageQuery, figure: Figure): Document {
  const id: Document = { ...FIGURES[figure].extra };
  if (query.bucket) id['bucket'] = `$usage.${query.bucket}`;
  for (const key of query.groupBy) id[key] = `$${USAGE_KEY_FIELDS[key]}`;
  if (query.groupBy.includes('principal')) id[LEGACY_PRINCIPAL] = '$principal_id';
  return id;
}

function add(into: Figures, figure: Figure, id: Document, n: number): void {
  if (figure === 'counts') {
    into.requests += n;
    if (typeof id['error'] === 'string') into.errors[id['error']] = (into.errors[id['error']] ?? 0) + n;
    if (id['cache'] === true) into.cache_hits += n;
  } else if (figure === 'prompt') into.prompt_tokens += n;
  else if (figure === 'completion') into.completion_tokens += n;
  else if (figure === 'total') into.total_tokens += n;
  else if (figure === 'cost') into.cost_usd += n;
  else if (typeof id['latency'] === 'number') addCount(into[figure], id['latency'], n);
}

/** The usage report aggregated from the raw records (any range, any filters and groups). */
export async function queryUsage(
  collection: Collection<TelemetryDocument>,
  query: UsageQuery,
  maxTimeMS?: number,
): Promise<UsageReport> {
  const match = usageMatch(query);
  const results = await Promise.all(
    (Object.keys(FIGURES) as Figure[]).map(async (figure) => {
      const groups = await collection
        .aggregate<{ _id: Document; n: number }>(
          [{ $match: match }, { $group: { _id: groupId(query, figure), n: { $sum: FIGURES[figure].sum } } }],
          maxTimeMS === undefined ? {} : { maxTimeMS },
        )
        .toArray();
      return { figure, groups };
    }),
  );
  const report = createReport(query);
  for (const { figure, groups } of results) {
    for (const { _id, n } of groups) {
      const id = _id ?? {};
      const keys: Partial<Record<UsageKey, string | null>> = {};
      for (const key of query.groupBy) keys[key] = groupKey(id, key);
      const bucket = id['bucket'] instanceof Date ? id['bucket'] : undefined;
      add(report.row(bucket, keys), figure, id, n);
      add(report.totals, figure, id, n);
    }
  }
  return report.done('records');
}
