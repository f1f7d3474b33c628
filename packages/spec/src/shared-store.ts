/**
 * A small key-value store that every gateway instance sees (Redis when the profile has `redis.url`).
 * Values are strings and every key expires; what a surface keeps across requests (stored Responses) lives here.
 */
export interface SharedStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | undefined>;
  /** Writes `value` under `key`, expiring after `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** True when the key existed. */
  delete(key: string): Promise<boolean>;
}
