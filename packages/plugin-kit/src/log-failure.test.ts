import { GatewayError, type LogFn, type Logger } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { logRequestFailure } from './log-failure.js';

function recordingLogger() {
  const lines: { level: string; object: unknown; message?: string }[] = [];
  const at =
    (level: string): LogFn =>
    (object: unknown, message?: string) =>
      lines.push({ level, object, ...(message === undefined ? {} : { message }) });
  const log: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => log,
  };
  return { log, lines };
}

describe('logRequestFailure', () => {
  it('every over-capacity 503 logged an error with a stack: now one info line of facts', () => {
    const { log, lines } = recordingLogger();
    const capacity = new GatewayError('unavailable', 'Server is at capacity, try again shortly', {
      code: 'concurrency_limit',
      retryAfterMs: 1000,
    });
    logRequestFailure(log, capacity, 'request failed');
    expect(lines).toEqual([
      {
        level: 'info',
        object: {
          status: 503,
          type: 'unavailable',
          code: 'concurrency_limit',
          reason: 'Server is at capacity, try again shortly',
        },
        message: 'request failed',
      },
    ]);
  });

  it('logs an upstream failure at warn with its cause message, no stack', () => {
    const { log, lines } = recordingLogger();
    const upstream = new GatewayError('upstream_error', 'Upstream failed', {
      cause: new Error('ECONNRESET'),
    });
    logRequestFailure(log, upstream, 'request failed');
    expect(lines).toEqual([
      {
        level: 'warn',
        object: {
          status: upstream.status,
          type: 'upstream_error',
          code: null,
          reason: 'Upstream failed',
          cause: 'ECONNRESET',
        },
        message: 'request failed',
      },
    ]);
  });

  it('keeps the stack of a bug', () => {
    const { log, lines } = recordingLogger();
    const bug = new TypeError('x is undefined');
    logRequestFailure(log, bug, 'unhandled error');
    logRequestFailure(log, new GatewayError('internal', 'Internal gateway error', { cause: bug }), 'failed');
    expect(lines.map((line) => line.level)).toEqual(['error', 'error']);
    expect(lines[0]!.object).toEqual({ err: bug });
  });
});
