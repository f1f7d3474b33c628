import { createHmac, randomBytes } from 'node:crypto';

/**
 * Remembers recent successful verifications so scrypt runs once per (client, secret) per TTL.
 * Keys hold an HMAC of the secret under a per-process random key, never the secret itself.
 */
export class VerificationCache {
  readonly #entries = new Map<string, number>();
  readonly #pepper = randomBytes(32);
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(maxEntries: number, ttlMs: number, now: () => number = Date.now) {
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  key(clientId: string, secret: string): string {
    const digest = createHmac('sha256', this.#pepper).update(secret).digest('base64url');
    return `${clientId}\u0000${digest}`;
  }

  has(key: string): boolean {
    const expiresAt = this.#entries.get(key);
    if (expiresAt === undefined) return false;
    this.#entries.delete(key);
    if (expiresAt <= this.#now()) return false;
    // Re-inserting moves the entry to the back of the Map's order: least recently used stays in front.
    this.#entries.set(key, expiresAt);
    return true;
  }

  add(key: string): void {
    if (this.#maxEntries === 0 || this.#ttlMs === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, this.#now() + this.#ttlMs);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
