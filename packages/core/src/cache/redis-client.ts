import type { Logger } from '@llm-gateway/spec';
import { Redis } from 'ioredis';

export interface RedisConnectionOptions {
  /** Fail a connection attempt after this long (default 1000 ms). */
  connectTimeoutMs?: number;
  /** Fail a command after this long, so a hung Redis never stalls a request (default 500 ms). */
  commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts (default 2000 ms). */
  maxReconnectDelayMs?: number;
}

/**
 * A client for optional Redis features: commands fail at once while disconnected (no offline
 * queue), time out quickly, and the client keeps reconnecting in the background.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  const client = new Redis(url, {
    enableOfflineQueue: false,
    connectTimeout: options.connectTimeoutMs ?? 1000,
    commandTimeout: options.commandTimeoutMs ?? 500,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, maxDelay),
  });
  // Errors are reported by the commands that fail; without a listener ioredis prints each one.
  client.on('error', () => {});
  return client;
}

/** Logs the first failure of an outage and the recovery, not every failed command in between. */
export class OutageLog {
  #down = false;

  constructor(
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  failed(error: unknown): void {
    if (this.#down) return;
    this.#down = true;
    this.log.warn(
      { err: error instanceof Error ? error.message : String(error) },
      `${this.what} unavailable`,
    );
  }

  succeeded(): void {
    if (!this.#down) return;
    this.#down = false;
    this.log.info(`${this.what} available again`);
  }

  get down(): boolean {
    return this.#down;
  }
}
