import { type TelemetryRecord, USAGE_KEYS, type UsageFigures, type UsageKey } from '@llm-gateway/spec';
import type { AnyBulkWriteOperation, Collection, Db, UpdateOneModel } from 'mongodb';
import { DUPLICATE_KEY, duplicateKeyFailures } from './duplicate-keys.js';
import { type UsageFields, usageFields } from './usage-fields.js';
import { usageKeyValue } from './usage-key-value.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Hourly totals, and hourly figures by each usage key on its own: each answers queries on at most that key. */
export type RollupGrain = 'all' | UsageKey;
export const ROLLUP_GRAINS: readonly RollupGrain[] = ['all', ...USAGE_KEYS];

/** The plain counters of the usage figures: what rollups, their running totals and report rows add up. */
export type UsageCounters = Pick<
  UsageFigures,
  'requests' | 'prompt_tokens' | 'completion_tokens' | 'total_tokens' | 'cache_hits' | 'cost_usd'
>;

/** One hour of one grain key's value; `_id` is the rollup key, so every batch upserts it with `$inc`. */
export interface RollupDocument extends UsageCounters {
  _id: string;
  hour: Date;
  /** The grain key's value (`null`: records without one, and the `all` grain). */
  key: string | null;
  /** Failed requests by `errorField(error_type)`. */
  errors?: Record<string, number>;
  /** Record counts per latency bucket (`b<bucket>`, see latency-histogram.ts). */
  llm?: Record<string, number>;
  overhead?: Record<string, number>;
  /** The sink writes already added in: a write applied again (a repair, a retry) adds nothing twice. */
  applied?: string[];
}

/** When the rollups became complete: earlier hours are answered from the raw records. */
export interface RollupMeta {
  _id: 'since';
  at: Date;
}

/** One collection per grain and UTC day: FerretDB scans a whole collection per query or upsert, so each stays small. */
export function rollupCollectionName(collection: string, grain: RollupGrain, day: Date): string {
  return `${rollupPrefix(collection, grain)}${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export const rollupPrefix = (collection: string, grain: RollupGrain) => `${collection}_rollup_hour_${grain}_`;

export const rollupMetaName = (collection: string) => `${collection}_rollup_meta`;

/** Error types become field names: URI-encoded (no '.' or '$') behind a letter (never empty). */
export const errorField = (type: string) => `e${encodeURIComponent(type).replaceAll('.', '%2E')}`;
export const errorType = (field: string) => decodeURIComponent(field.slice(1));

const count = (value: unknown) => (typeof value === 'number' ? value : 0);

/** One rollup document's sums while a batch is added up; the `$inc` is built from it once. */
interface Totals extends UsageCounters {
  key: string | null;
  errors: Map<string, number>;
  llm: Map<number, number>;
  overhead: Map<number, number>;
}

/** One hour of the batch: per grain, the totals by key value. */
interface HourTotals {
  hour: Date;
  day: Date;
  grains: Map<string | null, Totals>[];
}

const newTotals = (key: string | null): Totals => ({
  key,
  requests: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  cache_hits: 0,
  cost_usd: 0,
  errors: new Map(),
  llm: new Map(),
  overhead: new Map(),
});

const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

function keyOf(record: TelemetryRecord, grain: RollupGrain): string | null {
  return grain === 'all' ? null : usageKeyValue(record, grain);
}

function addRecord(totals: Totals, record: TelemetryRecord, fields: UsageFields): void {
  totals.requests += 1;
  totals.prompt_tokens += count(record.prompt_tokens);
  totals.completion_tokens += count(record.completion_tokens);
  totals.total_tokens += count(record.total_tokens);
  totals.cost_usd += count(record.cost_usd);
  if (record.cache_hit === true) totals.cache_hits += 1;
  bump(totals.overhead, fields.overhead_bucket);
  if (typeof record.error_type === 'string') bump(totals.errors, record.error_type);
  if (fields.llm_bucket !== undefined) bump(totals.llm, fields.llm_bucket);
}

function increments(totals: Totals): Record<string, number> {
  const inc: Record<string, number> = {
    requests: totals.requests,
    prompt_tokens: totals.prompt_tokens,
    completion_tokens: totals.completion_tokens,
    total_tokens: totals.total_tokens,
    cache_hits: totals.cache_hits,
    cost_usd: totals.cost_usd,
  };
  for (const [bucket, n] of totals.overhead) inc[`overhead.b${bucket}`] = n;
  for (const [type, n] of totals.errors) inc[`errors.${errorField(type)}`] = n;
  for (const [bucket, n] of totals.llm) inc[`llm.b${bucket}`] = n;
  return inc;
}

/** The batch summed per hour, grain and key value: the per-record work is map lookups and additions. */
function sumBatch(records: readonly TelemetryRecord[]): Map<number, HourTotals> {
  const hours = new Map<number, HourTotals>();
  for (const record of records) {
    const fields = usageFields(record);
    const hourMs = fields.hour.getTime();
    let hour = hours.get(hourMs);
    if (!hour) {
      hour = { hour: fields.hour, day: fields.day, grains: ROLLUP_GRAINS.map(() => new Map()) };
      hours.set(hourMs, hour);
    }
    for (let g = 0; g < ROLLUP_GRAINS.length; g += 1) {
      const key = keyOf(record, ROLLUP_GRAINS[g]!);
      const byKey = hour.grains[g]!;
      let totals = byKey.get(key);
      if (!totals) {
        totals = newTotals(key);
        byKey.set(key, totals);
      }
      addRecord(totals, record, fields);
    }
  }
  return hours;
}

/**
 * The batch's upserts by collection: one per (grain, hour, key value), the batch's records summed in.
 * With `batch` (the sink write's id) each upsert skips a document that write was already added to.
 */
export function rollupWrites(
  collection: string,
  records: readonly TelemetryRecord[],
  batch?: string,
): Map<string, AnyBulkWriteOperation<RollupDocument>[]> {
  const writes = new Map<string, AnyBulkWriteOperation<RollupDocument>[]>();
  for (const { hour, day, grains } of sumBatch(records).values()) {
    const hourText = hour.toISOString();
    for (let g = 0; g < ROLLUP_GRAINS.length; g += 1) {
      const name = rollupCollectionName(collection, ROLLUP_GRAINS[g]!, day);
      const operations = writes.get(name) ?? [];
      writes.set(name, operations);
      for (const totals of grains[g]!.values()) {
        const { key } = totals;
        const _id = JSON.stringify([hourText, key]);
        operations.push({
          updateOne:
            batch === undefined
              ? {
                  filter: { _id },
                  update: { $inc: increments(totals), $setOnInsert: { hour, key } },
                  upsert: true,
                }
              : {
                  filter: { _id, applied: { $ne: batch } },
                  update: {
                    $inc: increments(totals),
                    $setOnInsert: { hour, key },
                    $push: { applied: batch },
                  },
                  upsert: true,
                },
        });
      }
    }
  }
  return writes;
}

/**
 * Records the hour from which the rollups hold every record: the beginning of time for a new store,
 * the next hour for one that already holds records from before rollups existed.
 */
export async function markRollupStart(db: Db, collection: string): Promise<void> {
  const meta = db.collection<RollupMeta>(rollupMetaName(collection));
  if (await meta.findOne({ _id: 'since' })) return;
  const stored = await db.collection(collection).findOne({}, { projection: { _id: 1 } });
  const at = new Date(stored ? Math.ceil(Date.now() / HOUR_MS) * HOUR_MS : 0);
  // Another instance starting at the same time may have written it first: its mark stands.
  await meta.insertOne({ _id: 'since', at }).catch(() => {});
}

/** Upserts per turn: inserts get a turn between them, so a large rollup never holds the store for long. */
const CHUNK = 500;

/**
 * Applies stored records to the rollups: unordered bulkWrites per (grain, day) collection, each chunk in a
 * turn of `exclusive`, which the sink's inserts share: FerretDB's SQLite stalls on concurrent writes.
 */
export async function writeRollups(
  db: Db,
  collection: string,
  records: readonly TelemetryRecord[],
  indexed: Set<string>,
  exclusive: <T>(task: () => Promise<T>) => Promise<T>,
  batch?: string,
): Promise<void> {
  for (const [name, operations] of rollupWrites(collection, records, batch)) {
    const target = db.collection<RollupDocument>(name);
    if (!indexed.has(name)) {
      await exclusive(() =>
        target.createIndexes([
          { key: { hour: 1 }, name: 'hour' },
          { key: { key: 1, hour: 1 }, name: 'key_hour' },
        ]),
      );
      indexed.add(name);
    }
    for (let start = 0; start < operations.length; start += CHUNK) {
      const chunk = operations.slice(start, start + CHUNK);
      await exclusive(() => (batch === undefined ? upsert(target, chunk) : upsertGuarded(target, chunk)));
    }
  }
}

async function upsert(
  target: Collection<RollupDocument>,
  operations: AnyBulkWriteOperation<RollupDocument>[],
): Promise<void> {
  await target.bulkWrite(operations, { ordered: false }).catch(async (error: unknown) => {
    // Two instances creating one rollup document at once: the loser's upsert failed whole, so its retry counts once.
    const raced = duplicateKeyFailures(error);
    if (!raced) throw error;
    await target.bulkWrite(
      operations.filter((_, index) => raced.has(index)),
      { ordered: false },
    );
  });
}

/**
 * Guarded upserts (see rollupWrites): a duplicate key means a document this write was already added to,
 * or one another instance created at the same instant. FerretDB stops an unordered bulk at its first
 * error, so after one each upsert is tried alone (twice: a lost creation race succeeds the second time).
 */
async function upsertGuarded(
  target: Collection<RollupDocument>,
  operations: AnyBulkWriteOperation<RollupDocument>[],
): Promise<void> {
  try {
    await target.bulkWrite(operations, { ordered: false });
    return;
  } catch (error) {
    if (!duplicateKeyFailures(error)) throw error;
  }
  for (const operation of operations) {
    const {
      filter,
      update,
      upsert: insert,
    } = (operation as { updateOne: UpdateOneModel<RollupDocument> }).updateOne;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await target.updateOne(filter, update, { upsert: insert ?? false });
        break;
      } catch (error) {
        if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
      }
    }
  }
}
