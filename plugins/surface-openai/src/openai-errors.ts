import { GatewayError, type GatewayErrorType, isGatewayError, toGatewayError } from '@llm-gateway/spec';
import type { WireError } from './wire.js';

/** An error ready to send: status, OpenAI-shaped body, extra headers. */
export interface RenderedError {
  status: number;
  body: WireError;
  headers: Record<string, string>;
  /** The GatewayError type, for the request's telemetry. */
  gatewayType: GatewayErrorType;
}

const openAIType: Record<GatewayErrorType, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  payload_too_large: 'invalid_request_error',
  rate_limited: 'rate_limit_error',
  cancelled: 'invalid_request_error',
  upstream_error: 'api_error',
  upstream_timeout: 'timeout_error',
  unavailable: 'server_error',
  internal: 'server_error',
};

const defaultCode: Partial<Record<GatewayErrorType, string>> = {
  rate_limited: 'rate_limit_exceeded',
  payload_too_large: 'request_too_large',
  cancelled: 'request_cancelled',
  upstream_timeout: 'timeout',
};

export function renderGatewayError(error: GatewayError): RenderedError {
  const modelNotFound = error.code === 'model_not_found';
  const headers: Record<string, string> = { ...error.headers };
  if (error.type === 'authentication') headers['www-authenticate'] = 'Bearer';
  if (error.retryAfterMs !== undefined && !hasHeader(headers, 'retry-after')) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  }
  // Messages of internal errors may carry details of the gateway itself; clients get a fixed one.
  const message = error.type === 'internal' ? 'Internal gateway error' : error.message;
  return {
    status: error.status,
    headers,
    gatewayType: error.type,
    body: {
      error: {
        message,
        // OpenAI answers an unknown model with a 404 of type invalid_request_error.
        type: modelNotFound ? 'invalid_request_error' : openAIType[error.type],
        param: error.param ?? (modelNotFound ? 'model' : null),
        code: error.code ?? defaultCode[error.type] ?? null,
      },
    },
  };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/** An ajv error as Fastify reports it in `error.validation`. */
export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

interface FrameworkError extends Error {
  statusCode?: number;
  code?: string;
  validation?: ValidationIssue[];
  validationContext?: string;
}

/** `/messages/0/role` → `messages[0].role`, the way OpenAI names parameters. */
export function paramName(instancePath: string, property?: string): string | null {
  const segments = instancePath.split('/').slice(1);
  if (property !== undefined) segments.push(property);
  let name = '';
  for (const segment of segments) {
    const decoded = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    name += /^\d+$/.test(decoded) ? `[${decoded}]` : name ? `.${decoded}` : decoded;
  }
  return name || null;
}

function describe(value: unknown): string {
  return typeof value === 'number' || typeof value === 'string' ? String(value) : JSON.stringify(value);
}

export function validationError(issue: ValidationIssue, context = 'body'): GatewayError {
  const missing = issue.keyword === 'required' ? String(issue.params.missingProperty) : undefined;
  const param = paramName(issue.instancePath, missing);
  if (missing !== undefined) {
    return new GatewayError('invalid_request', `Missing required parameter: '${param}'.`, {
      code: 'missing_required_parameter',
      param: param ?? missing,
    });
  }
  if (param === null) {
    return new GatewayError('invalid_request', `The request ${context} must be a JSON object.`, {
      code: 'invalid_type',
    });
  }
  const detail = (() => {
    switch (issue.keyword) {
      case 'type':
        return {
          code: 'invalid_type',
          text: `expected ${describe(issue.params.type).replace(/,/g, ' or ')}`,
        };
      case 'enum':
        return {
          code: 'invalid_value',
          text: `must be one of ${(issue.params.allowedValues as unknown[]).map(describe).join(', ')}`,
        };
      case 'maximum':
        return { code: 'above_max_value', text: `expected a value <= ${describe(issue.params.limit)}` };
      case 'minimum':
        return { code: 'below_min_value', text: `expected a value >= ${describe(issue.params.limit)}` };
      case 'maxItems':
        return {
          code: 'array_above_max_length',
          text: `expected at most ${describe(issue.params.limit)} items`,
        };
      case 'minItems':
        return { code: 'empty_array', text: `expected at least ${describe(issue.params.limit)} item(s)` };
      default:
        return { code: 'invalid_value', text: issue.message ?? 'invalid value' };
    }
  })();
  return new GatewayError('invalid_request', `Invalid '${param}': ${detail.text}.`, {
    code: detail.code,
    param,
  });
}

/**
 * ajv reports every failed `anyOf` branch before the `anyOf` itself. A branch whose type matched but
 * which failed deeper says the most; otherwise the branches' types together say what was expected.
 */
export function mostSpecificIssue(issues: readonly ValidationIssue[]): ValidationIssue {
  const first = issues[0]!;
  const anyOf = issues.find((issue) => issue.keyword === 'anyOf');
  if (!anyOf) return first;
  const at = anyOf.instancePath;
  const branches = issues.filter(
    (issue) => issue !== anyOf && (issue.instancePath === at || issue.instancePath.startsWith(`${at}/`)),
  );
  const deeper = branches.find((issue) => issue.keyword !== 'type' || issue.instancePath !== at);
  if (deeper) return deeper;
  const types = branches.flatMap((issue) => String(issue.params.type).split(','));
  return { keyword: 'type', instancePath: at, params: { type: [...new Set(types)].join(',') } };
}

/** Fastify's own errors (body parsing, validation) as GatewayErrors; anything else through toGatewayError. */
export function asGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  const framework = error as FrameworkError;
  if (framework instanceof Error && Array.isArray(framework.validation) && framework.validation[0]) {
    return validationError(mostSpecificIssue(framework.validation), framework.validationContext);
  }
  switch (framework instanceof Error ? framework.code : undefined) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError(
        'invalid_request',
        'We could not parse the JSON body of your request. The API expects a JSON payload.',
        { code: 'invalid_json' },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('invalid_request', 'The request body is empty; a JSON object is expected.', {
        code: 'invalid_json',
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('payload_too_large', 'The request body is too large.', {
        code: 'request_too_large',
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('invalid_request', "Unsupported Content-Type; send 'application/json'.", {
        status: 415,
        code: 'unsupported_media_type',
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_request', 'The request body does not match its Content-Length.', {
        code: 'invalid_content_length',
      });
  }
  const status = framework instanceof Error ? framework.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    // Other framework 4xx errors carry messages written for clients.
    return new GatewayError(status === 404 ? 'not_found' : 'invalid_request', framework.message, { status });
  }
  return toGatewayError(error);
}

export function renderError(error: unknown): RenderedError {
  return renderGatewayError(asGatewayError(error));
}
