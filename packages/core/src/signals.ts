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

/** A timeout that restarts on activity: a stream may run long as long as parts keep coming. */
export class IdleTimeout {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {
    this.reset();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  reset(): void {
    clearTimeout(this.timer);
    if (this.controller.signal.aborted) return;
    this.timer = setTimeout(
      () => this.controller.abort(new DOMException('The upstream call timed out', 'TimeoutError')),
      this.ms,
    );
    this.timer.unref();
  }

  clear(): void {
    clearTimeout(this.timer);
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
  timeoutSignal: AbortSignal,
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
