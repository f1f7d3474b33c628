import type { createRedisConnection } from '@llm-gateway/core';
import type { ManagedKeyRecord } from './key-fields.js';

type Redis = ReturnType<typeof createRedisConnection>;

/** Where key records live: by id, and an index from secret digest to id (both written at once). */
export interface KeyRecords {
  get(id: string): Promise<ManagedKeyRecord | undefined>;
  list(): Promise<ManagedKeyRecord[]>;
  idOf(digest: string): Promise<string | undefined>;
  /** Writes the record and its digests, dropping `staleDigests` from the index, in one transaction. */
  put(record: ManagedKeyRecord, staleDigests?: readonly string[]): Promise<void>;
  remove(record: ManagedKeyRecord): Promise<void>;
}

const digestsOf = (record: ManagedKeyRecord) =>
  record.previous ? [record.digest, record.previous.digest] : [record.digest];

/** One Redis hash of records and one of digests, under the deployment's prefix: shared by every instance. */
export function redisKeyRecords(redis: Redis, prefix: string): KeyRecords {
  const records = `${prefix}:records`;
  const index = `${prefix}:digests`;
  return {
    async get(id) {
      const text = await redis.hget(records, id);
      return text ? (JSON.parse(text) as ManagedKeyRecord) : undefined;
    },
    async list() {
      return Object.values(await redis.hgetall(records)).map(
        (text) => JSON.parse(String(text)) as ManagedKeyRecord,
      );
    },
    async idOf(digest) {
      return (await redis.hget(index, digest)) ?? undefined;
    },
    async put(record, staleDigests = []) {
      const multi = redis.multi().hset(records, record.id, JSON.stringify(record));
      if (staleDigests.length > 0) multi.hdel(index, ...staleDigests);
      for (const digest of digestsOf(record)) multi.hset(index, digest, record.id);
      await multi.exec();
    },
    async remove(record) {
      await redis
        .multi()
        .hdel(records, record.id)
        .hdel(index, ...digestsOf(record))
        .exec();
    },
  };
}

/** The same in this process only (a gateway without Redis: keys do not reach other instances). */
export function memoryKeyRecords(): KeyRecords {
  const records = new Map<string, ManagedKeyRecord>();
  const index = new Map<string, string>();
  return {
    async get(id) {
      return records.get(id);
    },
    async list() {
      return [...records.values()];
    },
    async idOf(digest) {
      return index.get(digest);
    },
    async put(record, staleDigests = []) {
      records.set(record.id, record);
      for (const digest of staleDigests) index.delete(digest);
      for (const digest of digestsOf(record)) index.set(digest, record.id);
    },
    async remove(record) {
      records.delete(record.id);
      for (const digest of digestsOf(record)) index.delete(digest);
    },
  };
}
