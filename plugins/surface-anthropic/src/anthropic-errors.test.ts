import { GatewayError } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { renderError, renderGatewayError } from './anthropic-errors.js';

describe('renderGatewayError', () => {
  it.each([
    ['invalid_request', 400, 'invalid_request_error'],
    ['authentication', 401, 'authentication_error'],
    ['permission', 403, 'permission_error'],
    ['not_found', 404, 'not_found_error'],
    ['payload_too_large', 413, 'request_too_large'],
    ['rate_limited', 429, 'rate_limit_error'],
    ['internal', 500, 'api_error'],
    ['upstream_error', 502, 'api_error'],
    ['upstream_timeout', 504, 'timeout_error'],
    ['unavailable', 503, 'api_error'],
  ] as const)('%s -> %i %s', (type, status, wireType) => {
    const rendered = renderGatewayError(new GatewayError(type, 'm'), 'req-1');
    expect(rendered.status).toBe(status);
    expect(rendered.body).toEqual({
      type: 'error',
      error: { type: wireType, message: type === 'internal' ? 'Internal gateway error' : 'm' },
      request_id: 'req-1',
    });
  });

  it('answers load shedding (queue full, circuit open) as 529 overloaded_error with Retry-After', () => {
    for (const code of ['concurrency_limit', 'circuit_open']) {
      const rendered = renderGatewayError(
        new GatewayError('unavailable', 'busy', { code, retryAfterMs: 1500 }),
      );
      expect(rendered.status).toBe(529);
      expect(rendered.body.error.type).toBe('overloaded_error');
      expect(rendered.headers['retry-after']).toBe('2');
    }
  });

  it('hides the message of an untyped failure', () => {
    const rendered = renderError(new Error('secret path /etc/gateway'));
    expect(rendered.status).toBe(500);
    expect(JSON.stringify(rendered.body)).not.toContain('secret');
  });

  it("words a schema failure the way Anthropic does, with the field's dotted path", () => {
    const error = Object.assign(new Error('body must have required property'), {
      statusCode: 400,
      validation: [
        { keyword: 'required', instancePath: '/messages/0', params: { missingProperty: 'content' } },
      ],
    });
    expect(renderError(error).body.error).toEqual({
      type: 'invalid_request_error',
      message: 'messages.0.content: Field required',
    });
    const range = Object.assign(new Error('x'), {
      statusCode: 400,
      validation: [{ keyword: 'maximum', instancePath: '/temperature', params: { limit: 1 } }],
    });
    expect(renderError(range).body.error.message).toBe(
      'temperature: Input should be less than or equal to 1',
    );
  });

  it("keeps a framework 4xx's status: 413 as request_too_large, 415 as invalid_request_error", () => {
    const large = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    expect(renderError(large)).toMatchObject({ status: 413, body: { error: { type: 'request_too_large' } } });
    const media = Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 });
    expect(renderError(media)).toMatchObject({
      status: 415,
      body: { error: { type: 'invalid_request_error' } },
    });
  });
});
