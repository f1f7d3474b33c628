import type { Logger } from '@llm-gateway/spec';

/**
 * One line per `intervalMs` at most, counting what it held back: a failure that repeats for every record
 * (a full disk) is reported once, with its count, instead of burying the log.
 */
export function createRateLimitedLog(log: Logger, intervalMs = 10_000) {
  let last = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (level: 'warn' | 'error', fields: Record<string, unknown>, message: string) => {
    const now = Date.now();
    if (now - last < intervalMs) {
      suppressed += 1;
      return;
    }
    last = now;
    log[level]({ ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, message);
    suppressed = 0;
  };
}

/** An fs error's facts without its stack. */
export function fsFacts(error: unknown): { code?: string; reason: string } {
  const code = (error as { code?: unknown }).code;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    reason: error instanceof Error ? error.message : String(error),
  };
}
