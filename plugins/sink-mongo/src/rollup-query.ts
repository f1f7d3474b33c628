import type { UsageKey, UsageQuery, UsageReport } from '@llm-gateway/spec';
import type { Db, Filter } from 'mongodb';
import { addCount } from './latency-histogram.js';
import { createReport, type Figures } from './usage-report.js';
import {
  DAY_MS,
  errorType,
  HOUR_MS,
  type RollupDocument,
  type RollupGrain,
  type RollupMeta,
  rollupMetaName,
  rollupPrefix,
} from './usage-rollup.js';

const aligned = (time: Date | undefined) => time === undefined || time.getTime() % HOUR_MS === 0;

/** The rollup grain that answers a query, or undefined when only the raw records can. */
export function rollupGrain(query: UsageQuery): RollupGrain | undefined {
  if (!aligned(query.from) || !aligned(query.to)) return undefined;
  const keys = new Set<UsageKey>(query.groupBy);
  for (const [key, value] of Object.entries(query.filters))
    if (value !== undefined) keys.add(key as UsageKey);
  if (keys.size > 1) return undefined;
  return keys.size === 0 ? 'all' : [...keys][0];
}

function addDocument(into: Figures, doc: RollupDocument): void {
  into.requests += doc.requests;
  into.prompt_tokens += doc.prompt_tokens;
  into.completion_tokens += doc.completion_tokens;
  into.total_tokens += doc.total_tokens;
  into.cache_hits += doc.cache_hits;
  // Rollups written before records had a cost hold none.
  into.cost_usd += doc.cost_usd ?? 0;
  for (const [field, n] of Object.entries(doc.errors ?? {})) {
    const type = errorType(field);
    into.errors[type] = (into.errors[type] ?? 0) + n;
  }
  for (const [field, n] of Object.entries(doc.llm ?? {})) addCount(into.llm, Number(field.slice(1)), n);
  for (const [field, n] of Object.entries(doc.overhead ?? {})) {
    addCount(into.overhead, Number(field.slice(1)), n);
  }
}

/** The day collections of a grain that overlap the query's range. */
async function dayCollections(db: Db, collection: string, grain: RollupGrain, query: UsageQuery) {
  const prefix = rollupPrefix(collection, grain);
  const names = await db.listCollections({}, { nameOnly: true }).toArray();
  return names
    .map(({ name }) => name)
    .filter((name) => {
      const digits = name.slice(prefix.length);
      if (!name.startsWith(prefix) || !/^\d{8}$/.test(digits)) return false;
      const day = Date.UTC(+digits.slice(0, 4), +digits.slice(4, 6) - 1, +digits.slice(6, 8));
      return (!query.from || day + DAY_MS > query.from.getTime()) && (!query.to || day < query.to.getTime());
    });
}

/**
 * The usage report summed from the hourly rollups: undefined when they cannot answer (a query on two
 * keys, a range not on whole hours, or one reaching back before the rollups were complete).
 */
export async function queryRollup(
  db: Db,
  collection: string,
  query: UsageQuery,
  maxTimeMS?: number,
): Promise<UsageReport | undefined> {
  const limit = maxTimeMS === undefined ? {} : { maxTimeMS };
  const grain = rollupGrain(query);
  if (grain === undefined) return undefined;
  const meta = await db.collection<RollupMeta>(rollupMetaName(collection)).findOne({ _id: 'since' }, limit);
  if (!meta) return undefined;
  if (meta.at.getTime() > 0 && !(query.from && query.from >= meta.at)) return undefined;

  const filter: Filter<RollupDocument> = {};
  if (query.from || query.to) {
    filter.hour = { ...(query.from ? { $gte: query.from } : {}), ...(query.to ? { $lt: query.to } : {}) };
  }
  const value = grain === 'all' ? undefined : query.filters[grain];
  if (value !== undefined) filter.key = value;
  const names = await dayCollections(db, collection, grain, query);
  const days = await Promise.all(
    names.map((name) =>
      db
        .collection<RollupDocument>(name)
        .find(filter, { ...limit, projection: { applied: 0 } })
        .toArray(),
    ),
  );

  const report = createReport(query);
  const grouped = grain !== 'all' && query.groupBy.includes(grain);
  for (const doc of days.flat()) {
    const bucket =
      query.bucket === 'hour'
        ? doc.hour
        : query.bucket === 'day'
          ? new Date(Math.floor(doc.hour.getTime() / DAY_MS) * DAY_MS)
          : undefined;
    addDocument(report.row(bucket, grouped ? { [grain]: doc.key ?? null } : {}), doc);
    addDocument(report.totals, doc);
  }
  return report.done('rollup');
}
