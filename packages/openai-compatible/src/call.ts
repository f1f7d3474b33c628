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

export function guardCall(call: Pick<CallContext, 'signal' | 'deadline'>, now = Date.now()): CallGuard {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(call.signal.reason);
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (call.signal.aborted) controller.abort(call.signal.reason);
  else call.signal.addEventListener('abort', onAbort, { once: true });
  if (call.deadline !== undefined && !controller.signal.aborted) {
    const fire = () => {
      timedOut = true;
      controller.abort(new DOMException('The call deadline passed', 'TimeoutError'));
    };
    const remaining = call.deadline - now;
    if (remaining <= 0) fire();
    else {
      timer = setTimeout(fire, remaining);
      // A forgotten call must not keep the process alive.
      timer.unref?.();
    }
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    get cancelled() {
      return call.signal.aborted;
    },
    abort: () => controller.abort(),
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      call.signal.removeEventListener('abort', onAbort);
    },
  };
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
