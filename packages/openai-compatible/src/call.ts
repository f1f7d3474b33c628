/** One upstream call's abort signal: the caller's signal, the call's deadline, and our own early exit. */
import { type CallContext, GatewayError, isGatewayError, upstreamTimeoutError } from '@llm-gateway/spec';

export interface CallGuard {
  readonly signal: AbortSignal;
  /** True when the call's deadline (not the caller) aborted it. */
  readonly timedOut: boolean;
  /** True when the caller's signal aborted it. */
  readonly cancelled: boolean;
  /** Aborts the upstream request (the consumer stopped reading). */
  abort(): void;
  dispose(): void;
}

/**
 * A class, not a closure-built object: its methods live on the prototype, so a call costs the
 * controller, one listener and the deadline's timer, not five closures and two getter pairs.
 */
class Guard implements CallGuard {
  readonly #controller = new AbortController();
  readonly #call: Pick<CallContext, 'signal' | 'deadline'>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;
  /** The one listener on the caller's signal (a field: it is added and removed as the same function). */
  readonly #onAbort = () => this.#controller.abort(this.#call.signal.reason);

  constructor(call: Pick<CallContext, 'signal' | 'deadline'>, now: number) {
    this.#call = call;
    const controller = this.#controller;
    if (call.signal.aborted) controller.abort(call.signal.reason);
    else call.signal.addEventListener('abort', this.#onAbort, { once: true });
    if (call.deadline !== undefined && !controller.signal.aborted) {
      const remaining = call.deadline - now;
      if (remaining <= 0) this.#fire();
      else {
        this.#timer = setTimeout(this.#fire, remaining);
        // A forgotten call must not keep the process alive.
        this.#timer.unref?.();
      }
    }
  }

  readonly #fire = (): void => {
    this.#timedOut = true;
    this.#controller.abort(new DOMException('The call deadline passed', 'TimeoutError'));
  };

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  get cancelled(): boolean {
    return this.#call.signal.aborted;
  }

  abort(): void {
    this.#controller.abort();
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#call.signal.removeEventListener('abort', this.#onAbort);
  }
}

export function guardCall(call: Pick<CallContext, 'signal' | 'deadline'>, now = Date.now()): CallGuard {
  return new Guard(call, now);
}

/**
 * The error for a call its guard aborted, or undefined when it was not aborted: what the SDK threw
 * then (often a generic abort) matters less than why the signal fired.
 */
export function abortedCallError(
  backend: string,
  guard: CallGuard,
  error: unknown,
): GatewayError | undefined {
  if (guard.cancelled) {
    const reason: unknown = guard.signal.reason;
    if (isGatewayError(reason)) return reason;
    if (reason instanceof Error && reason.name === 'TimeoutError')
      return upstreamTimeoutError(backend, error);
    return new GatewayError('cancelled', `${backend} call was cancelled`, { backend, cause: error });
  }
  return guard.timedOut ? upstreamTimeoutError(backend, error) : undefined;
}
