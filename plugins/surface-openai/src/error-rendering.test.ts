import { GatewayError, type Pipeline } from '@llm-gateway/spec';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './__fixtures__/gateway.js';
import { mostSpecificIssue, paramName, renderError } from './openai-errors.js';

describe('rendering errors', () => {
  it('names parameters the way OpenAI does', () => {
    expect(paramName('/messages/0/content/1/type')).toBe('messages[0].content[1].type');
    expect(paramName('', 'messages')).toBe('messages');
    expect(paramName('/stream_options', 'include_usage')).toBe('stream_options.include_usage');
    expect(paramName('')).toBeNull();
  });

  it('picks the most specific anyOf branch error', () => {
    const typeString = { keyword: 'type', instancePath: '/prompt', params: { type: 'string' } };
    const maxItems = { keyword: 'maxItems', instancePath: '/prompt', params: { limit: 1 } };
    const typeArray = { keyword: 'type', instancePath: '/prompt', params: { type: 'array' } };
    const anyOf = { keyword: 'anyOf', instancePath: '/prompt', params: {} };
    expect(mostSpecificIssue([typeString, maxItems, anyOf])).toBe(maxItems);
    expect(mostSpecificIssue([typeString, typeArray, anyOf])).toEqual({
      keyword: 'type',
      instancePath: '/prompt',
      params: { type: 'string,array' },
    });
  });

  it('maps every gateway error type to an OpenAI type and its status', () => {
    const cases: Array<[GatewayError, number, string]> = [
      [new GatewayError('invalid_request', 'bad'), 400, 'invalid_request_error'],
      [new GatewayError('authentication', 'who'), 401, 'authentication_error'],
      [new GatewayError('permission', 'no'), 403, 'permission_error'],
      [new GatewayError('not_found', 'gone'), 404, 'not_found_error'],
      [new GatewayError('not_found', 'gone', { code: 'model_not_found' }), 404, 'invalid_request_error'],
      [new GatewayError('payload_too_large', 'big'), 413, 'invalid_request_error'],
      [new GatewayError('rate_limited', 'slow down'), 429, 'rate_limit_error'],
      [new GatewayError('upstream_error', 'upstream'), 502, 'api_error'],
      [new GatewayError('upstream_timeout', 'late'), 504, 'timeout_error'],
      [new GatewayError('unavailable', 'busy'), 503, 'server_error'],
      [new GatewayError('internal', 'secret'), 500, 'server_error'],
    ];
    for (const [error, status, type] of cases) {
      const rendered = renderError(error);
      expect(rendered.status).toBe(status);
      expect(rendered.body.error.type).toBe(type);
    }
    expect(renderError(new GatewayError('authentication', 'who')).headers['www-authenticate']).toBe('Bearer');
    expect(
      renderError(new GatewayError('rate_limited', 'x', { retryAfterMs: 1500 })).headers['retry-after'],
    ).toBe('2');
    expect(renderError(new TypeError('x is undefined at /srv/app.js:1')).body.error).toEqual({
      message: 'Internal gateway error',
      type: 'server_error',
      param: null,
      code: null,
    });
  });
});

describe('pipeline failures through the routes', () => {
  let failure: unknown;
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      pipeline: (real): Pipeline => ({
        defaultModel: real.defaultModel,
        models: () => real.models(),
        chat: async (request, context) => {
          if (failure) throw failure;
          return real.chat(request, context);
        },
        stream: async (request, context) => {
          if (failure) throw failure;
          return real.stream(request, context);
        },
      }),
    });
  });
  afterEach(() => {
    failure = undefined;
  });
  afterAll(() => gateway.close());

  const post = (payload: Record<string, unknown>) =>
    gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { messages: [{ role: 'user', content: 'hi' }], ...payload },
    });

  it('hides unexpected errors behind a 500 "Internal gateway error"', async () => {
    failure = new Error('connect ECONNREFUSED mongodb://admin:hunter2@db');
    for (const stream of [false, true]) {
      const response = await post({ stream });
      expect(response.statusCode).toBe(500);
      expect(response.body).not.toContain('hunter2');
      expect(response.json()).toEqual({
        error: { message: 'Internal gateway error', type: 'server_error', param: null, code: null },
      });
    }
  });

  it('copies rate-limit headers and Retry-After onto a 429', async () => {
    failure = new GatewayError('rate_limited', 'Rate limit exceeded for this key', {
      retryAfterMs: 3000,
      headers: {
        'retry-after': '3',
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '0',
      },
    });
    const response = await post({});
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('3');
    expect(response.headers['x-ratelimit-limit-requests']).toBe('60');
    expect(response.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(response.json().error).toEqual({
      message: 'Rate limit exceeded for this key',
      type: 'rate_limit_error',
      param: null,
      code: 'rate_limit_exceeded',
    });
    expect(gateway.contexts.at(-1)?.annotations.errorType).toBe('rate_limited');
  });

  it('answers 503 when the gateway is saturated', async () => {
    failure = new GatewayError('unavailable', 'The gateway is busy, try again shortly', {
      code: 'overloaded',
    });
    const response = await post({ stream: true });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatchObject({ type: 'server_error', code: 'overloaded' });
  });
});
