import { hash, randomBytes } from 'node:crypto';
import type { ManagedKeyIdentity, ManagedKeyLookup } from '@llm-gateway/spec';
import type { CreateKey, ManagedKeyRecord, UpdateKey } from './key-fields.js';
import type { KeyRecords } from './key-records.js';

export interface KeyStoreOptions {
  records: KeyRecords;
  /** How long a rotated-out secret keeps working (default 1 hour). */
  rotationGraceMs?: number;
  /** How long a lookup is remembered: a change shows on every instance within this (default 900 ms). */
  cacheMs?: number;
  now?: () => number;
}

export interface ManagedKeyStore extends ManagedKeyLookup {
  create(fields: CreateKey): Promise<{ record: ManagedKeyRecord; key: string }>;
  list(): Promise<ManagedKeyRecord[]>;
  update(id: string, fields: UpdateKey): Promise<ManagedKeyRecord | undefined>;
  delete(id: string): Promise<boolean>;
  rotate(id: string): Promise<{ record: ManagedKeyRecord; key: string } | undefined>;
}

const digestOf = (secret: string) => hash('sha256', secret, 'hex');
const newSecret = () => `gwk-${randomBytes(32).toString('base64url')}`;
const newId = () => `mk-${randomBytes(6).toString('hex')}`;

function identityOf(record: ManagedKeyRecord): ManagedKeyIdentity {
  const identity: ManagedKeyIdentity = { id: record.id };
  if (record.project) identity.project = record.project;
  if (record.models) identity.models = record.models;
  if (record.rpm !== undefined || record.tpd !== undefined)
    identity.limits = {
      ...(record.rpm === undefined ? {} : { requestsPerMinute: record.rpm }),
      ...(record.tpd === undefined ? {} : { tokensPerDay: record.tpd }),
    };
  if (record.budgets) identity.budgets = record.budgets;
  return identity;
}

/** Managed keys: secrets shown once, stored as SHA-256 digests; lookups remembered for under a second. */
export function createKeyStore(options: KeyStoreOptions): ManagedKeyStore {
  const { records } = options;
  const grace = options.rotationGraceMs ?? 3_600_000;
  const cacheMs = options.cacheMs ?? 900;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; identity: ManagedKeyIdentity | undefined }>();

  async function lookup(digest: string): Promise<ManagedKeyIdentity | undefined> {
    const id = await records.idOf(digest);
    const record = id === undefined ? undefined : await records.get(id);
    if (!record) return undefined;
    const at = now();
    if (record.expires_at && Date.parse(record.expires_at) <= at) return undefined;
    if (
      record.digest !== digest &&
      !(record.previous?.digest === digest && Date.parse(record.previous.until) > at)
    )
      return undefined;
    return identityOf(record);
  }

  return {
    async find(secret) {
      const digest = digestOf(secret);
      const hit = cache.get(digest);
      if (hit && now() - hit.at < cacheMs) return hit.identity;
      // The store unreachable (Redis down or still connecting): refused, not remembered, tried again next time.
      const identity = await lookup(digest).catch(() => null);
      if (identity === null) return undefined;
      if (cache.size > 10_000) cache.clear();
      cache.set(digest, { at: now(), identity });
      return identity;
    },
    async create(fields) {
      const key = newSecret();
      const record: ManagedKeyRecord = {
        ...fields,
        id: newId(),
        created_at: new Date(now()).toISOString(),
        digest: digestOf(key),
      };
      await records.put(record);
      return { record, key };
    },
    list: () => records.list(),
    async update(id, fields) {
      const record = await records.get(id);
      if (!record) return undefined;
      const next: ManagedKeyRecord = { ...record, ...fields };
      await records.put(next);
      return next;
    },
    async delete(id) {
      const record = await records.get(id);
      if (!record) return false;
      await records.remove(record);
      return true;
    },
    async rotate(id) {
      const record = await records.get(id);
      if (!record) return undefined;
      const key = newSecret();
      const stale = record.previous ? [record.previous.digest] : [];
      const next: ManagedKeyRecord = {
        ...record,
        digest: digestOf(key),
        previous: { digest: record.digest, until: new Date(now() + grace).toISOString() },
      };
      await records.put(next, stale);
      return { record: next, key };
    },
  };
}
