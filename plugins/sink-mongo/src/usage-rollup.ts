import { type TelemetryRecord, USAGE_KEY_FIELDS, USAGE_KEYS, type UsageKey } from '@llm-gateway/spec';
import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import { duplicateKeyFailures } from './duplicate-keys.js';
import { usageFields } from './usage-fields.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Hourly totals, and hourly figures by each usage key on its own: each answers queries on at most that key. */
export type RollupGrain = 'all' | UsageKey;
export const ROLLUP_GRAINS: readonly RollupGrain[] = ['all', ...USAGE_KEYS];

/** One hour of one grain key's value; `_id` is the rollup key, so every batch upserts it with `$inc`. */
export interface RollupDocument {
  _id: string;
  hour: Date;
  /** The grain key's value (`null`: records without one, and the `all` grain). */
  key: string | null;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cache_hits: number;
  /** Failed requests by `errorField(error_type)`. */
  errors?: Record<string, number>;
  /** Record counts per latency bucket (`b<bucket>`, see latency-histogram.ts). */
  llm?: Record<string, number>;
  overhead?: Record<string, number>;
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

function increments(record: TelemetryRecord): Record<string, number> {
  const fields = usageFields(record);
  const inc: Record<string, number> = {
    requests: 1,
    prompt_tokens: count(record.prompt_tokens),
    completion_tokens: count(record.completion_tokens),
    total_tokens: count(record.total_tokens),
    cache_hits: record.cache_hit === true ? 1 : 0,
    [`overhead.b${fields.overhead_bucket}`]: 1,
  };
  if (typeof record.error_type === 'string') inc[`errors.${errorField(record.error_type)}`] = 1;
  if (fields.llm_bucket !== undefined) inc[`llm.b${fields.llm_bucket}`] = 1;
  return inc;
}

function keyOf(record: TelemetryRecord, grain: RollupGrain): string | null {
  if (grain === 'all') return null;
  const value = record[USAGE_KEY_FIELDS[grain]];
  return typeof value === 'string' ? value : null;
}

/** The batch's upserts by collection: one per (grain, hour, key value), the batch's records summed in. */
export function rollupWrites(
  collection: string,
  records: readonly TelemetryRecord[],
): Map<string, AnyBulkWriteOperation<RollupDocument>[]> {
  const docs = new Map<
    string,
    Map<string, { hour: Date; key: string | null; inc: Record<string, number> }>
  >();
  for (const record of records) {
    const { hour, day } = usageFields(record);
    const inc = increments(record);
    for (const grain of ROLLUP_GRAINS) {
      const name = rollupCollectionName(collection, grain, day);
      const key = keyOf(record, grain);
      const id = JSON.stringify([hour.toISOString(), key]);
      const perCollection = docs.get(name) ?? new Map();
      docs.set(name, perCollection);
      const doc = perCollection.get(id) ?? { hour, key, inc: {} };
      perCollection.set(id, doc);
      for (const [field, n] of Object.entries(inc)) doc.inc[field] = (doc.inc[field] ?? 0) + n;
    }
  }
  const writes = new Map<string, AnyBulkWriteOperation<RollupDocument>[]>();
  for (const [name, perCollection] of docs) {
    writes.set(
      name,
      [...perCollection].map(([id, { hour, key, inc }]) => ({
        updateOne: {
          filter: { _id: id },
          update: { $inc: inc, $setOnInsert: { hour, key } },
          upsert: true,
        },
      })),
    );
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
): Promise<void> {
  for (const [name, operations] of rollupWrites(collection, records)) {
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
      await exclusive(() => upsert(target, operations.slice(start, start + CHUNK)));
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
