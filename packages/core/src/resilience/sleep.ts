import { GatewayError } from '@llm-gateway/spec';

/** The error every abortable wait in core rejects with, so surfaces render one 499 shape. */
export function cancelledError(signal?: AbortSignal): GatewayError {
  return new GatewayError('cancelled', 'The request was cancelled', { cause: signal?.reason });
}

/** Waits `ms`, rejecting with a `cancelled` GatewayError as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelledError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
