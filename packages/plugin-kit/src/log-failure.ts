import { isGatewayError, type Logger } from '@llm-gateway/spec';

/**
 * Logs a request that failed on the gateway's side. A bug (a non-typed error, a 500) goes out at
 * error with its stack; a typed rejection (capacity, upstream down, timeout) is an expected outcome:
 * its facts only, at info when the client was told to come back (load shed), else at warn.
 */
export function logRequestFailure(log: Logger, error: unknown, message: string): void {
  if (!isGatewayError(error) || error.status === 500) {
    log.error({ err: error }, message);
    return;
  }
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  const facts = {
    status: error.status,
    type: error.type,
    code: error.code ?? null,
    reason: error.message,
    ...(cause === undefined ? {} : { cause }),
  };
  if (error.cause === undefined && error.retryAfterMs !== undefined) log.info(facts, message);
  else log.warn(facts, message);
}
