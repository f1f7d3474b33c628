import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { mapAnthropicError } from './anthropic-errors.js';

function apiError(status: number, type: string, message: string, headers: Record<string, string> = {}) {
  return Anthropic.APIError.generate(
    status,
    { type: 'error', error: { type, message } },
    undefined,
    new Headers(headers),
  );
}

describe('mapAnthropicError', () => {
  it('keeps the body message and makes 529 overloaded retryable', () => {
    const error = mapAnthropicError('claude', apiError(529, 'overloaded_error', 'Overloaded'));
    expect(error).toMatchObject({ type: 'upstream_error', upstreamStatus: 529, isRetryable: true });
    expect(error.message).toBe('claude upstream error (529): Overloaded');
  });

  it('makes 429 rate_limited with the retry-after hint', () => {
    const error = mapAnthropicError(
      'claude',
      apiError(429, 'rate_limit_error', 'Too many tokens', { 'retry-after': '7' }),
    );
    expect(error).toMatchObject({ type: 'rate_limited', isRetryable: true, retryAfterMs: 7000 });
  });

  it('makes 400 invalid_request and not retryable, 500 retryable', () => {
    expect(
      mapAnthropicError('claude', apiError(400, 'invalid_request_error', 'max_tokens: Field required')),
    ).toMatchObject({
      type: 'invalid_request',
      isRetryable: false,
      upstreamStatus: 400,
    });
    expect(mapAnthropicError('claude', apiError(500, 'api_error', 'Internal server error'))).toMatchObject({
      isRetryable: true,
      upstreamStatus: 500,
    });
  });

  it('maps connection failures and timeouts as the Stainless SDKs', () => {
    expect(mapAnthropicError('claude', new Anthropic.APIConnectionTimeoutError())).toMatchObject({
      type: 'upstream_timeout',
      isRetryable: true,
    });
    expect(mapAnthropicError('claude', new Anthropic.APIConnectionError({ message: 'down' }))).toMatchObject({
      code: 'upstream_unreachable',
      isRetryable: true,
    });
  });
});
