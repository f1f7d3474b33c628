import { GatewayError, type GatewayErrorType, isGatewayError, toGatewayError } from '@llm-gateway/spec';
import type { WireError, WireErrorType } from './wire.js';

/** An error ready to send: status, Anthropic-shaped body, extra headers. */
export interface RenderedError {
  status: number;
  body: WireError;
  headers: Record<string, string>;
  /** The GatewayError type, for the request's telemetry. */
  gatewayType: GatewayErrorType;
}

const anthropicType: Record<GatewayErrorType, WireErrorType> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  payload_too_large: 'request_too_large',
  rate_limited: 'rate_limit_error',
  cancelled: 'invalid_request_error',
  upstream_error: 'api_error',
  upstream_timeout: 'timeout_error',
  unavailable: 'api_error',
  internal: 'api_error',
};

// Load shedding (the concurrency queue full, a circuit open) is what Anthropic calls overloaded: 529.
const overloadedCodes = new Set(['concurrency_limit', 'circuit_open']);

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

export function renderGatewayError(error: GatewayError, requestId?: string): RenderedError {
  const overloaded = error.type === 'unavailable' && overloadedCodes.has(error.code ?? '');
  const headers: Record<string, string> = { ...error.headers };
  if (error.retryAfterMs !== undefined && !hasHeader(headers, 'retry-after')) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  }
  // Messages of internal errors may carry details of the gateway itself; clients get a fixed one.
  const message = error.type === 'internal' ? 'Internal gateway error' : error.message;
  const body: WireError = {
    type: 'error',
    error: { type: overloaded ? 'overloaded_error' : anthropicType[error.type], message },
  };
  if (requestId !== undefined) body.request_id = requestId;
  return { status: overloaded ? 529 : error.status, headers, gatewayType: error.type, body };
}

/** An ajv error as Fastify reports it in `error.validation`. */
interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

interface FrameworkError extends Error {
  statusCode?: number;
  validation?: ValidationIssue[];
}

/** `/messages/0/role` + `content` → `messages.0.content`, the way Anthropic names fields in its messages. */
export function fieldPath(instancePath: string, property?: string): string {
  const segments = instancePath.split('/').slice(1);
  if (property !== undefined) segments.push(property);
  return segments.map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/** One schema failure in the words Anthropic's API uses (`max_tokens: Field required`). */
export function validationError(issue: ValidationIssue): GatewayError {
  const missing = issue.keyword === 'required' ? String(issue.params.missingProperty) : undefined;
  const field = fieldPath(issue.instancePath, missing);
  const detail = (() => {
    switch (issue.keyword) {
      case 'required':
        return 'Field required';
      case 'type':
        return `Input should be a valid ${String(issue.params.type).replace(/,/g, ' or ')}`;
      case 'enum':
        return `Input should be ${(issue.params.allowedValues as unknown[]).map(describe).join(' or ')}`;
      case 'maximum':
        return `Input should be less than or equal to ${describe(issue.params.limit)}`;
      case 'minimum':
        return `Input should be greater than or equal to ${describe(issue.params.limit)}`;
      case 'maxItems':
        return `List should have at most ${describe(issue.params.limit)} items`;
      case 'minItems':
        return `List should have at least ${describe(issue.params.limit)} item`;
      case 'maxLength':
        return `String should have at most ${describe(issue.params.limit)} characters`;
      case 'minLength':
        return `String should have at least ${describe(issue.params.limit)} character`;
      default:
        return issue.message ?? 'Invalid value';
    }
  })();
  return new GatewayError('invalid_request', field ? `${field}: ${detail}` : `request body: ${detail}`, {
    code: 'invalid_request',
    ...(field ? { param: field } : {}),
  });
}

/** Fastify's own errors (body parsing, validation, sizes) as GatewayErrors; anything else through toGatewayError. */
export function asGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  const framework = error as FrameworkError;
  if (framework instanceof Error && Array.isArray(framework.validation) && framework.validation[0]) {
    return validationError(framework.validation[0]);
  }
  const status = framework instanceof Error ? framework.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's 4xx errors (bad JSON, too large, wrong media type) carry messages written for clients.
    const type = status === 413 ? 'payload_too_large' : status === 404 ? 'not_found' : 'invalid_request';
    return new GatewayError(type, framework.message, { status });
  }
  return toGatewayError(error);
}

export function renderError(error: unknown, requestId?: string): RenderedError {
  return renderGatewayError(asGatewayError(error), requestId);
}
