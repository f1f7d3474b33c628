import { describe, expect, it } from 'vitest';
import { mapOllamaError } from './errors.js';

/** The shape of the ollama library's (unexported) ResponseError. */
function responseError(status: number, message: string): Error {
  return Object.assign(new Error(message), { name: 'ResponseError', error: message, status_code: status });
}

describe('mapOllamaError', () => {
  it('maps HTTP statuses, with Retry-After when the response had one', () => {
    expect(mapOllamaError('ollama', responseError(404, "model 'x' not found"))).toMatchObject({
      type: 'not_found',
      code: 'model_not_found',
      upstreamStatus: 404,
    });
    expect(mapOllamaError('ollama', responseError(503, 'busy'), '4')).toMatchObject({
      type: 'upstream_error',
      isRetryable: true,
      retryAfterMs: 4000,
    });
  });

  it('maps fetch failures to unreachable', () => {
    const failure = new TypeError('fetch failed', {
      cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    });
    expect(mapOllamaError('ollama', failure)).toMatchObject({
      type: 'upstream_error',
      code: 'upstream_unreachable',
    });
  });

  it('maps in-stream errors and truncated streams', () => {
    expect(mapOllamaError('ollama', new Error('out of memory'))).toMatchObject({
      code: 'upstream_stream_error',
    });
    expect(
      mapOllamaError('ollama', new Error('Did not receive done or success response in stream.')).code,
    ).toBe('upstream_stream_truncated');
  });

  it('does not take a programming error for a network failure', () => {
    expect(mapOllamaError('ollama', new TypeError('x is not a function')).code).not.toBe(
      'upstream_unreachable',
    );
    // Nor for the upstream's at all: a 500 of the gateway's, never retried or held against the backend (issue 19).
    expect(mapOllamaError('ollama', new RangeError('Maximum call stack size exceeded'))).toMatchObject({
      type: 'internal',
      code: 'gateway_error',
      isRetryable: false,
    });
  });
});
