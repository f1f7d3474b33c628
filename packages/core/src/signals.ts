import { GatewayError, toGatewayError, upstreamTimeoutError } from '@llm-gateway/spec';

/** Settles with `promise`, or rejects with the signal's reason as soon as it fires (a backend may ignore it). */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Races promises one after another (a stream's parts) against one signal with one listener for all,
 * instead of adding and removing a listener per part as `raceSignal` does.
 */
export class SignalRace {
  readonly #signal: AbortSignal;
  #reject: ((reason: unknown) => void) | undefined;
  readonly #onAbort = () => this.#reject?.(this.#signal.reason);

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Settles with `promise`, or rejects with the signal's reason as soon as it fires. */
  next<T>(promise: Promise<T>): Promise<T> {
    if (this.#signal.aborted) {
      promise.catch(() => {});
      return Promise.reject(this.#signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      this.#reject = reject;
      promise.then(resolve, reject);
    });
  }

  dispose(): void {
    this.#reject = undefined;
    this.#signal.removeEventListener('abort', this.#onAbort);
  }
}

/**
 * One upstream call's abort signal: follows the client's signal, fires on its own timer (restarted by
 * `reset()` for idle timeouts) and on `abort()`. One controller and one timer per call: cheaper than
 * AbortSignal.any + AbortSignal.timeout, which allocate weak references on every call.
 */
export class CallSignal {
  readonly #controller = new AbortController();
  readonly #client: AbortSignal;
  readonly #ms: number;
  readonly #onClientAbort: () => void;
  #timer: NodeJS.Timeout | undefined;
  #timedOut = false;
  #activeAt = performance.now();

  constructor(client: AbortSignal, ms: number) {
    this.#client = client;
    this.#ms = ms;
    this.#onClientAbort = () => this.abort(client.reason);
    if (client.aborted) this.#controller.abort(client.reason);
    else {
      client.addEventListener('abort', this.#onClientAbort, { once: true });
      this.#arm(ms);
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True when the timer (not the client or `abort()`) ended the call. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /**
   * Restarts the idle time: a stream may run long as long as parts keep coming. Only a timestamp per
   * part; the one timer, when it fires, waits out the rest if there was activity since.
   */
  reset(): void {
    this.#activeAt = performance.now();
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#onTimer, ms);
    this.#timer.unref();
  }

  readonly #onTimer = () => {
    const idleMs = performance.now() - this.#activeAt;
    if (idleMs < this.#ms) return this.#arm(this.#ms - idleMs);
    this.#timedOut = true;
    this.abort(new DOMException('The upstream call timed out', 'TimeoutError'));
  };

  abort(reason?: unknown): void {
    this.dispose();
    this.#controller.abort(reason);
  }

  /** The call settled: stops the timer and stops following the client. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#client.removeEventListener('abort', this.#onClientAbort);
  }
}

/**
 * Names what ended a failed call: the client leaving wins over the timeout, which wins over the
 * backend's own error, because a backend usually reports an abort as a generic failure.
 */
export function classifyCallError(
  error: unknown,
  backend: string,
  clientSignal: AbortSignal,
  timeoutSignal: { readonly aborted: boolean },
): GatewayError {
  if (clientSignal.aborted) {
    return new GatewayError('cancelled', 'The client closed the request', {
      backend,
      code: 'client_closed',
      cause: error,
    });
  }
  if (timeoutSignal.aborted) return upstreamTimeoutError(backend, error);
  return toGatewayError(error);
}
