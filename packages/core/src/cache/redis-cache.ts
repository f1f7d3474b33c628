import { type Logger, silentLogger } from '@llm-gateway/spec';
import type { Redis } from 'ioredis';
import { createRedisConnection, OutageLog, type RedisConnectionOptions } from './redis-client.js';
import { type CachedResponse, parseCachedResponse, type ResponseCache } from './response-cache.js';

export interface RedisCacheOptions extends RedisConnectionOptions {
  /** Redis URL; the cache owns (and closes) the client it creates. */
  url?: string;
  /** Or a shared client, left open by `close()`. Create it with `createRedisConnection`. */
  client?: Redis;
  /** Prefix for every key (default `llmgw:cache:`). */
  keyPrefix?: string;
  log?: Logger;
}

/**
 * Responses in Redis, shared by every gateway instance. Any Redis failure is a miss (get) or a
 * skipped write (set): the cache makes requests cheaper, never makes them fail.
 */
export class RedisCache implements ResponseCache {
  readonly kind = 'redis' as const;
  readonly #client: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #outage: OutageLog;

  constructor(options: RedisCacheOptions) {
    if (options.client) {
      this.#client = options.client;
      this.#owned = false;
    } else if (options.url) {
      this.#client = createRedisConnection(options.url, options);
      this.#owned = true;
    } else {
      throw new TypeError('RedisCache needs a url or a client');
    }
    this.#prefix = options.keyPrefix ?? 'llmgw:cache:';
    this.#outage = new OutageLog(options.log ?? silentLogger, 'Redis response cache');
  }

  /** For /health: whether the connection is up right now. */
  connected(): boolean {
    return this.#client.status === 'ready';
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    try {
      const raw = await this.#client.get(this.#prefix + key);
      this.#outage.succeeded();
      if (raw === null) return undefined;
      return parseCachedResponse(JSON.parse(raw));
    } catch (error) {
      if (!(error instanceof SyntaxError)) this.#outage.failed(error);
      return undefined;
    }
  }

  async set(key: string, value: CachedResponse, ttlSeconds: number): Promise<void> {
    const ttl = Math.ceil(ttlSeconds);
    if (!(ttl > 0)) return;
    try {
      await this.#client.set(this.#prefix + key, JSON.stringify(value), 'EX', ttl);
      this.#outage.succeeded();
    } catch (error) {
      this.#outage.failed(error);
    }
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    if (this.#client.status === 'ready') {
      await this.#client.quit().catch(() => this.#client.disconnect());
    } else {
      this.#client.disconnect();
    }
  }
}
