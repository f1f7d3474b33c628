import { LRUCache } from 'lru-cache';
import type { CachedResponse, ResponseCache } from './response-cache.js';

export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used go first (default 1000). */
  maxEntries?: number;
}

/**
 * An entry as kept: flat (one object per entry instead of three), so the many entries that
 * outlive a request cost the collector less.
 */
interface Slot {
  text: string;
  finishReason: CachedResponse['finishReason'];
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  estimated: boolean | undefined;
  model: string;
  backend: string;
  createdAt: number;
  /** performance.now() after which the entry is gone. */
  expiresAt: number;
}

function toSlot(value: CachedResponse, expiresAt: number): Slot {
  const { usage } = value;
  return {
    text: value.text,
    finishReason: value.finishReason,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    totalTokens: usage.totalTokens,
    estimated: usage.estimated,
    model: value.model,
    backend: value.backend,
    createdAt: value.createdAt,
    expiresAt,
  };
}

/** A fresh CachedResponse from a slot: callers may change it without touching the cache. */
function fromSlot(slot: Slot): CachedResponse {
  const usage: CachedResponse['usage'] = {
    promptTokens: slot.promptTokens,
    completionTokens: slot.completionTokens,
    totalTokens: slot.totalTokens,
  };
  if (slot.estimated !== undefined) usage.estimated = slot.estimated;
  return {
    text: slot.text,
    finishReason: slot.finishReason,
    usage,
    model: slot.model,
    backend: slot.backend,
    createdAt: slot.createdAt,
  };
}

/**
 * In-process LRU with a TTL per entry. Values are copied in and out so callers cannot mutate them.
 * Expiry is checked on read (as lru-cache does without autopurge), with one clock read per call
 * instead of lru-cache's per-entry TTL bookkeeping.
 */
export class MemoryCache implements ResponseCache {
  readonly kind = 'memory' as const;
  readonly #lru: LRUCache<string, Slot>;

  constructor(options: MemoryCacheOptions = {}) {
    this.#lru = new LRUCache<string, Slot>({ max: Math.max(1, options.maxEntries ?? 1000) });
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const slot = this.#lru.get(key);
    if (slot === undefined) return undefined;
    if (performance.now() >= slot.expiresAt) {
      this.#lru.delete(key);
      return undefined;
    }
    return fromSlot(slot);
  }

  async set(key: string, value: CachedResponse, ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0)) return;
    this.#lru.set(key, toSlot(value, performance.now() + ttlSeconds * 1000));
  }

  get size(): number {
    return this.#lru.size;
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }
}
