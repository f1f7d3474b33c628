/**
 * FastAPI's wire conventions, for the surfaces of seed services that were FastAPI apps (dgen-ping, DSP):
 * `{"detail": "<message>"}` errors, pydantic-v2 validation errors with status 422, FastAPI's body
 * parsing (JSON when the type says JSON or says nothing, raw text otherwise) and pydantic's lax numbers.
 * Imported as `@llm-gateway/plugin-kit/fastapi-errors`.
 */

import {
  anonymousPrincipal,
  GatewayError,
  type GatewayErrorType,
  isGatewayError,
  type Principal,
  type RequestContext,
  type SurfaceHost,
} from '@llm-gateway/spec';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { logRequestFailure } from './log-failure.js';
import { blankSetting, flagSetting } from './settings.js';

/** One entry of FastAPI's 422 `detail` list (pydantic v2's error, without its `url`). */
export interface ValidationDetail {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** A request that failed validation; rendered as 422 `{"detail": [...]}`. */
export class RequestValidationError extends Error {
  readonly details: ValidationDetail[];

  constructor(details: ValidationDetail[]) {
    super('Request validation failed');
    this.name = 'RequestValidationError';
    this.details = details;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** pydantic's words for a length or value outside its bounds, below and above. */
const bounds = {
  too_small: {
    side: 'at least',
    lengthKey: 'min_length',
    string: ['string_too_short', 'String', 'character'],
    array: ['too_short', 'List', 'item'],
    inclusive: ['greater_than_equal', 'greater than or equal to', 'ge'],
    exclusive: ['greater_than', 'greater than', 'gt'],
  },
  too_big: {
    side: 'at most',
    lengthKey: 'max_length',
    string: ['string_too_long', 'String', 'character'],
    array: ['too_long', 'List', 'item'],
    inclusive: ['less_than_equal', 'less than or equal to', 'le'],
    exclusive: ['less_than', 'less than', 'lt'],
  },
} as const;

/** A zod issue in pydantic v2's words, so clients of the Python service see the same errors. */
function toDetail(issue: z.core.$ZodIssue, body: unknown, location: string): ValidationDetail {
  const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
  const loc = [location, ...path];
  const input = valueAt(body, path);
  const detail = (type: string, msg: string, ctx?: Record<string, unknown>): ValidationDetail =>
    ctx ? { type, loc, msg, input, ctx } : { type, loc, msg, input };

  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) {
        // pydantic reports a missing field with the object that lacks it as the input.
        const parent = path.length === 0 ? null : (valueAt(body, path.slice(0, -1)) ?? null);
        return { type: 'missing', loc, msg: 'Field required', input: parent };
      }
      switch (issue.expected) {
        case 'string':
          return detail('string_type', 'Input should be a valid string');
        case 'number':
          return typeof input === 'string'
            ? detail('float_parsing', 'Input should be a valid number, unable to parse string as a number')
            : detail('float_type', 'Input should be a valid number');
        case 'int':
          if (typeof input === 'number') {
            return detail(
              'int_from_float',
              'Input should be a valid integer, got a number with a fractional part',
            );
          }
          return typeof input === 'string'
            ? detail('int_parsing', 'Input should be a valid integer, unable to parse string as an integer')
            : detail('int_type', 'Input should be a valid integer');
        case 'boolean':
          return detail('bool_type', 'Input should be a valid boolean');
        case 'object':
          return path.length === 0
            ? detail(
                'model_attributes_type',
                'Input should be a valid dictionary or object to extract fields from',
              )
            : detail('dict_type', 'Input should be a valid dictionary');
        case 'record':
          return detail('dict_type', 'Input should be a valid dictionary');
        case 'array':
          return detail('list_type', 'Input should be a valid list');
        default:
          return detail('value_error', issue.message);
      }
    }
    case 'too_small':
    case 'too_big': {
      const words = bounds[issue.code];
      const limit = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      if (issue.origin === 'string' || issue.origin === 'array') {
        const [type, noun, unit] = issue.origin === 'string' ? words.string : words.array;
        return detail(type, `${noun} should have ${words.side} ${plural(limit, unit)}`, {
          [words.lengthKey]: limit,
        });
      }
      const [type, relation, key] = issue.inclusive ? words.inclusive : words.exclusive;
      return detail(type, `Input should be ${relation} ${limit}`, { [key]: limit });
    }
    case 'invalid_format': {
      if (issue.format === 'regex' && 'pattern' in issue && typeof issue.pattern === 'string') {
        const pattern = issue.pattern.replace(/^\/(.*)\/[a-z]*$/, '$1');
        return detail('string_pattern_mismatch', `String should match pattern '${pattern}'`, { pattern });
      }
      return detail('value_error', issue.message);
    }
    default:
      return detail('value_error', issue.message);
  }
}

/** Validates one request part with a zod schema; throws RequestValidationError in pydantic's shape. */
export function validate<T extends z.ZodType>(schema: T, data: unknown, location = 'body'): z.output<T> {
  // FastAPI reports an absent body, and a JSON `null` one, as a missing required body.
  if (data === undefined || data === null) {
    throw new RequestValidationError([
      { type: 'missing', loc: [location], msg: 'Field required', input: null },
    ]);
  }
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new RequestValidationError(result.error.issues.map((issue) => toDetail(issue, data, location)));
}

/** Body parse failures, raised from the content-type parser below. */
class JsonDecodeError extends Error {
  readonly detail: ValidationDetail;

  constructor(text: string, reason: string) {
    super('JSON decode error');
    this.name = 'JsonDecodeError';
    const position = /at position (\d+)/.exec(reason);
    const at = position ? Number(position[1]) : /end of JSON input/.test(reason) ? text.length : 0;
    // V8 quotes the input in some messages; the client has it already, so only the reason is kept.
    const error = reason.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position.*$/s, '');
    this.detail = {
      type: 'json_invalid',
      loc: ['body', at],
      msg: 'JSON decode error',
      input: {},
      ctx: { error },
    };
  }
}

function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

/**
 * FastAPI's body handling: JSON when the Content-Type is JSON (or absent), the raw text otherwise
 * (which then fails validation with 422, as it does in FastAPI). An empty body is no body.
 * Parsing goes through Fastify's own JSON parser, so its prototype-poisoning guard stays on.
 */
export function installFastApiBodyParser(app: FastifyInstance): void {
  const secureParse = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text.length === 0) return done(null, undefined);
    const header = request.headers['content-type'];
    if (!isJsonType(header)) return done(null, text);
    secureParse(request, text, (error, value) => {
      if (!error) return done(null, value);
      let reason = 'Forbidden key in JSON object';
      try {
        JSON.parse(text);
      } catch (syntax) {
        reason = syntax instanceof Error ? syntax.message : String(syntax);
      }
      done(new JsonDecodeError(text, reason), undefined);
    });
  });
}

/** Marks the errors the surfaces write themselves, whose messages are always fit for clients. */
const surfaceDetail = 'surface_detail';

interface FrameworkError extends Error {
  statusCode?: number;
  code?: string;
}

/** The message a client sees for a failure of the gateway or of an upstream: never internals. */
function safeMessage(error: GatewayError): string {
  if (error.status < 500 || error.code === surfaceDetail) return error.message;
  if (error.type === 'internal') return 'Internal Server Error';
  // Upstream bodies may describe the gateway's own account or credentials; clients get the status only.
  if (error.upstreamStatus !== undefined)
    return `Upstream LLM service error (status ${error.upstreamStatus})`;
  return error.message;
}

export interface RenderedError {
  status: number;
  body: { detail: string | ValidationDetail[] };
  headers: Record<string, string>;
}

/** Any error as FastAPI would answer it. */
export function renderFastApiError(error: unknown): RenderedError {
  if (error instanceof RequestValidationError)
    return { status: 422, body: { detail: error.details }, headers: {} };
  if (error instanceof JsonDecodeError) return { status: 422, body: { detail: [error.detail] }, headers: {} };
  if (isGatewayError(error)) {
    const headers = { ...error.headers };
    const hasRetryAfter = Object.keys(headers).some((name) => name.toLowerCase() === 'retry-after');
    if (error.retryAfterMs !== undefined && !hasRetryAfter) {
      headers['Retry-After'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    }
    return { status: error.status, body: { detail: safeMessage(error) }, headers };
  }
  const framework = error as FrameworkError;
  switch (framework instanceof Error ? framework.code : undefined) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { detail: 'Request body too large' }, headers: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { detail: 'Unsupported media type' }, headers: {} };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: { detail: 'Request body size did not match Content-Length' }, headers: {} };
  }
  const status = framework instanceof Error ? framework.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own 4xx messages are written for clients.
    return { status, body: { detail: framework.message }, headers: {} };
  }
  return { status: 500, body: { detail: 'Internal Server Error' }, headers: {} };
}

/**
 * Answers every error of the surface's scope in FastAPI's shape; logs what is the gateway's fault.
 * `onError` lets the surface record the error type for telemetry.
 */
export function installFastApiErrorHandler(
  app: FastifyInstance,
  onError?: (request: FastifyRequest, error: unknown, status: number) => void,
): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const rendered = renderFastApiError(error);
    if (rendered.status >= 500) logRequestFailure(request.log, error, 'request failed');
    onError?.(request, error, rendered.status);
    return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
  });
}

/** A 4xx/5xx in FastAPI's shape, for the surfaces' own checks. */
export function httpError(status: number, detail: string, headers?: Record<string, string>): GatewayError {
  const type =
    status === 401
      ? 'authentication'
      : status === 403
        ? 'permission'
        : status === 404
          ? 'not_found'
          : status === 503
            ? 'unavailable'
            : status >= 500
              ? 'internal'
              : 'invalid_request';
  return new GatewayError(type, detail, { status, code: surfaceDetail, ...(headers ? { headers } : {}) });
}

/** JSON schema of FastAPI's error bodies, for the routes' documented responses. */
export const httpErrorSchema = {
  type: 'object',
  description: 'An error, as FastAPI answers it: `{"detail": "<message>"}`.',
  properties: { detail: { type: 'string' } },
  required: ['detail'],
} as const;

export const validationErrorSchema = {
  type: 'object',
  description: 'A request that failed validation (pydantic v2 errors, as FastAPI answers them).',
  properties: {
    detail: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { type: 'string', description: 'e.g. `missing`, `string_type`, `json_invalid`.' },
          loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
          msg: { type: 'string' },
          input: {},
          ctx: { type: 'object', additionalProperties: true },
        },
        required: ['type', 'loc', 'msg'],
      },
    },
  },
  required: ['detail'],
} as const;

/** The error responses every route documents: 422 as a list, the rest as a message. */
export const errorResponses = {
  422: validationErrorSchema,
  '4xx': httpErrorSchema,
  '5xx': httpErrorSchema,
} as const;

/** pydantic's lax mode reads numbers sent as strings ("0.5"); anything else is left for the schema to judge. */
export function laxNumber(value: unknown): unknown {
  if (typeof value !== 'string' || value.trim() === '') return value;
  const parsed = Number(value);
  return Number.isNaN(parsed) ? value : parsed;
}

/**
 * The seeds' settings came from `.env` (pydantic-settings); in a profile they arrive as `${VAR:-}` text.
 * These read that text the way the seeds did: blank means unset, numbers and flags from their words.
 */
export { blankSetting, flagSetting };

export function numberSetting(value: unknown): unknown {
  if (typeof value === 'string' && value.trim() === '') return undefined;
  // Not a number: left as is so the profile error shows what was given.
  return laxNumber(blankSetting(value));
}

/** The telemetry `error_type` of an error a FastAPI-style surface answered with `status`. */
export function fastApiErrorType(error: unknown, status: number): GatewayErrorType {
  if (isGatewayError(error)) return error.type;
  if (error instanceof RequestValidationError || status === 422) return 'invalid_request';
  if (status === 413) return 'payload_too_large';
  return status >= 500 ? 'internal' : 'invalid_request';
}

/** The request bookkeeping a FastAPI-style surface needs around its routes. */
export interface FastApiScope {
  /** An `onRequest` hook: the request gets its context (so its telemetry record) before anything can fail. */
  begin(endpoint: string): (request: FastifyRequest) => Promise<void>;
  /** The request's context, bound to `endpoint` and `principal`. */
  track(request: FastifyRequest, endpoint: string, principal: Principal): RequestContext;
  /** Authenticates with the surface's schemes; absent credentials answer 401 with the surface's own detail. */
  authenticate(request: FastifyRequest, endpoint: string): Promise<RequestContext>;
  /**
   * FastAPI's body parsing and error rendering on the surface's scope; bodies are validated with zod
   * after authentication (FastAPI's order), so route JSON schemas only document.
   */
  install(app: FastifyInstance): void;
}

export function createFastApiScope(
  host: SurfaceHost,
  options: { missingCredentialsDetail: string },
): FastApiScope {
  const contexts = new WeakMap<FastifyRequest, RequestContext>();

  function track(request: FastifyRequest, endpoint: string, principal: Principal): RequestContext {
    const context = host.createContext(request, { endpoint, principal });
    contexts.set(request, context);
    return context;
  }

  return {
    track,
    begin: (endpoint) => async (request) => {
      track(request, endpoint, anonymousPrincipal);
    },
    async authenticate(request, endpoint) {
      let principal: Principal;
      try {
        principal = await host.authenticate({
          headers: request.headers,
          query: (request.query ?? {}) as Record<string, unknown>,
        });
      } catch (error) {
        if (isGatewayError(error) && error.code === 'missing_credentials') {
          throw httpError(401, options.missingCredentialsDetail);
        }
        throw error;
      }
      return track(request, endpoint, principal);
    },
    install(app) {
      installFastApiBodyParser(app);
      app.setValidatorCompiler(() => (data) => ({ value: data }));
      installFastApiErrorHandler(app, (request, error, status) => {
        const context = contexts.get(request);
        if (context) context.annotations.errorType ??= fastApiErrorType(error, status);
      });
    },
  };
}
