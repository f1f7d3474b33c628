import { GatewayError } from '@llm-gateway/spec';
import { verifySecret } from './secret-hash.js';

export interface VerificationGateOptions {
  /** scrypt runs at once; the rest wait (default 2: the libuv pool keeps room for file and DNS work). */
  maxConcurrent: number;
  /** Logins allowed to wait; past it a login gets 503 at once instead of queueing forever. */
  maxQueue: number;
  /** How long one verification takes before any was measured (e.g. the startup hash). */
  initialMs: number;
  verify?: (secret: string, hash: string) => Promise<boolean>;
}

function busyError(): GatewayError {
  return new GatewayError('unavailable', 'Too many logins in progress, try again shortly', {
    code: 'auth_busy',
    retryAfterMs: 1000,
    headers: { 'Retry-After': '1' },
  });
}

/**
 * Bounds scrypt work: verifications share a few slots and a bounded queue. An unknown client id
 * waits its turn like a real login, then as long as a verification takes, without the CPU work,
 * so it answers in the same time (no id oracle) and a flood of bogus ids burns no scrypt.
 */
export class VerificationGate {
  readonly #options: VerificationGateOptions;
  readonly #verify: (secret: string, hash: string) => Promise<boolean>;
  readonly #waiting: (() => void)[] = [];
  #running = 0;
  #averageMs: number;

  constructor(options: VerificationGateOptions) {
    this.#options = options;
    this.#verify = options.verify ?? verifySecret;
    this.#averageMs = options.initialMs;
  }

  /** Checks `secret` against `hash` in a slot. */
  async verify(secret: string, hash: string): Promise<boolean> {
    await this.#acquire();
    const started = performance.now();
    try {
      return await this.#verify(secret, hash);
    } finally {
      // A moving average, so the imitation follows the machine's real speed.
      this.#averageMs = 0.8 * this.#averageMs + 0.2 * (performance.now() - started);
      this.#release();
    }
  }

  /** What `verify` costs an unknown id in time, without running scrypt: always false. */
  async imitate(): Promise<false> {
    await this.#acquire();
    this.#release();
    await new Promise((resolve) => setTimeout(resolve, this.#averageMs));
    return false;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  #acquire(): Promise<void> {
    if (this.#running < this.#options.maxConcurrent) {
      this.#running += 1;
      return Promise.resolve();
    }
    if (this.#waiting.length >= this.#options.maxQueue) return Promise.reject(busyError());
    // The releasing call hands its slot over, so the running count stays the same.
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running -= 1;
  }
}
