import type { SharedStore } from '@llm-gateway/spec';

export interface MemoryStoreLimits {
  maxEntries: number;
  /** Total size of keys and values (UTF-16 code units, about bytes for JSON text). */
  maxBytes: number;
}

interface Entry {
  value: string;
  expiresAt: number;
  size: number;
}

/**
 * A SharedStore in this process's memory, for a gateway without Redis: bounded in entries and bytes,
 * the oldest writes evicted first, every entry expiring after its TTL.
 */
export class MemorySharedStore implements SharedStore {
  readonly kind = 'memory' as const;
  readonly #entries = new Map<string, Entry>();
  readonly #limits: MemoryStoreLimits;
  readonly #now: () => number;
  #bytes = 0;

  constructor(limits: MemoryStoreLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#remove(key, entry);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const size = key.length + value.length;
    const existing = this.#entries.get(key);
    if (existing) this.#remove(key, existing);
    // A value larger than the whole store is never kept (it would evict everything else).
    if (size > this.#limits.maxBytes) return;
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs, size });
    this.#bytes += size;
    this.#evict();
  }

  async delete(key: string): Promise<boolean> {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#remove(key, entry);
    return entry.expiresAt > this.#now();
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.size;
  }

  /** Map order is write order: the oldest entries go first until both limits hold. */
  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#limits.maxEntries && this.#bytes <= this.#limits.maxBytes) return;
      this.#remove(key, entry);
    }
  }
}
