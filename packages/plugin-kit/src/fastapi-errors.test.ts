import { GatewayError } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  fastApiErrorType,
  httpError,
  laxNumber,
  RequestValidationError,
  renderFastApiError,
  validate,
} from './fastapi-errors.js';

const body = z.object({ prompt: z.string().min(1), temperature: z.preprocess(laxNumber, z.number()) });

describe('validate', () => {
  it('reports missing fields and wrong types as pydantic v2 does', () => {
    let caught: unknown;
    try {
      validate(body, { temperature: 'warm' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RequestValidationError);
    expect((caught as RequestValidationError).details).toEqual([
      { type: 'missing', loc: ['body', 'prompt'], msg: 'Field required', input: { temperature: 'warm' } },
      {
        type: 'float_parsing',
        loc: ['body', 'temperature'],
        msg: 'Input should be a valid number, unable to parse string as a number',
        input: 'warm',
      },
    ]);
  });

  it('reads numbers sent as strings and treats an absent body as a missing one', () => {
    expect(validate(body, { prompt: 'hi', temperature: '0.5' })).toEqual({ prompt: 'hi', temperature: 0.5 });
    expect(() => validate(body, undefined)).toThrow(RequestValidationError);
  });
});

describe('bounds in pydantic words', () => {
  const bounded = z.object({
    name: z.string().min(2).max(3),
    tags: z.array(z.string()).min(1),
    temperature: z.number().min(0).max(2),
    count: z.number().gt(0),
  });

  it('names the bound, its side and its value', () => {
    let caught: unknown;
    try {
      validate(bounded, { name: 'abcd', tags: [], temperature: 3, count: 0 });
    } catch (error) {
      caught = error;
    }
    const details = (caught as RequestValidationError).details.map(({ type, msg, ctx }) => ({
      type,
      msg,
      ctx,
    }));
    expect(details).toEqual([
      { type: 'string_too_long', msg: 'String should have at most 3 characters', ctx: { max_length: 3 } },
      { type: 'too_short', msg: 'List should have at least 1 item', ctx: { min_length: 1 } },
      { type: 'less_than_equal', msg: 'Input should be less than or equal to 2', ctx: { le: 2 } },
      { type: 'greater_than', msg: 'Input should be greater than 0', ctx: { gt: 0 } },
    ]);
  });
});

describe('renderFastApiError', () => {
  it('renders a surface error as {"detail": message} with its status', () => {
    expect(renderFastApiError(httpError(403, 'Client not allowed'))).toEqual({
      status: 403,
      body: { detail: 'Client not allowed' },
      headers: {},
    });
  });

  it('adds Retry-After in whole seconds for a rate limit', () => {
    const rendered = renderFastApiError(
      new GatewayError('rate_limited', 'Rate limit exceeded', { retryAfterMs: 1500 }),
    );
    expect(rendered).toEqual({
      status: 429,
      body: { detail: 'Rate limit exceeded' },
      headers: { 'Retry-After': '2' },
    });
  });

  it('never shows internals or upstream bodies', () => {
    expect(renderFastApiError(new Error('ECONNREFUSED at /srv/secret.js:1:2')).body).toEqual({
      detail: 'Internal Server Error',
    });
    const upstream = new GatewayError('upstream_error', 'billing account sk-123 suspended', {
      upstreamStatus: 402,
    });
    expect(renderFastApiError(upstream).body).toEqual({ detail: 'Upstream LLM service error (status 402)' });
  });

  it('maps Fastify body errors to their client statuses', () => {
    const tooLarge = Object.assign(new Error('too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(renderFastApiError(tooLarge)).toMatchObject({
      status: 413,
      body: { detail: 'Request body too large' },
    });
  });
});

describe('fastApiErrorType', () => {
  it('names the telemetry error type of what was answered', () => {
    expect(fastApiErrorType(new RequestValidationError([]), 422)).toBe('invalid_request');
    expect(fastApiErrorType(httpError(401, 'no'), 401)).toBe('authentication');
    expect(fastApiErrorType(new Error('boom'), 413)).toBe('payload_too_large');
    expect(fastApiErrorType(new Error('boom'), 500)).toBe('internal');
  });
});
