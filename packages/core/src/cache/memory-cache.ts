import { LRUCache } from 'lru-cache';
import type { CachedResponse, ResponseCache } from './response-cache.js';

export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used go first (default 1000). */
  maxEntries?: number;
}

/** A copy of an entry; its shape is fixed, so a plain copy is enough (and far cheaper than structuredClone). */
function copy(value: CachedResponse): CachedResponse {
  return { ...value, usage: { ...value.usage } };
}

/** In-process LRU with a TTL per entry. Values are copied in and out so callers cannot mutate them. */
export class MemoryCache implements ResponseCache {
  readonly kind = 'memory' as const;
  readonly #lru: LRUCache<string, CachedResponse>;

  constructor(options: MemoryCacheOptions = {}) {
    this.#lru = new LRUCache<string, CachedResponse>({ max: Math.max(1, options.maxEntries ?? 1000) });
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const value = this.#lru.get(key);
    return value === undefined ? undefined : copy(value);
  }

  async set(key: string, value: CachedResponse, ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0)) return;
    this.#lru.set(key, copy(value), { ttl: ttlSeconds * 1000 });
  }

  get size(): number {
    return this.#lru.size;
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }
}
