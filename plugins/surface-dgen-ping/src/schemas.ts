/** JSON schemas of the routes, for /openapi.json and response serialization; bodies are validated with zod (requests.ts). */
import { errorResponses } from '@llm-gateway/plugin-kit/fastapi-errors';
import { telemetryEventSchema } from './telemetry-event-schema.js';

const tags = ['dgen-ping'];

const apiTokenHeader = {
  type: 'object',
  properties: {
    'x-api-token': {
      type: 'string',
      description: 'A JWT from /generate-token (or `1` when ALLOW_DEFAULT_TOKEN is on).',
    },
  },
} as const;

const tokenSecretHeader = {
  type: 'object',
  properties: {
    'x-token-secret': { type: 'string', description: 'The service token secret (TOKEN_SECRET).' },
  },
} as const;

const completionBody = {
  type: 'object',
  description: 'An LLM request. Unknown fields are ignored; numbers may be sent as strings.',
  required: ['soeid', 'project_name', 'prompt'],
  properties: {
    soeid: { type: 'string', minLength: 1, description: 'Caller SOEID; must be the subject of the token.' },
    project_name: { type: 'string', minLength: 1, description: 'Project the request is accounted to.' },
    prompt: { type: 'string', minLength: 1 },
    model: { type: ['string', 'null'], description: 'Model name; DEFAULT_MODEL when left out.' },
    temperature: {
      type: ['number', 'null'],
      minimum: 0,
      maximum: 2,
      description: 'DEFAULT_TEMPERATURE when left out.',
    },
    max_tokens: { type: ['integer', 'null'], minimum: 1, description: 'DEFAULT_MAX_TOKENS when left out.' },
  },
  examples: [
    { soeid: 'ab1234', project_name: 'risk-analysis', prompt: 'Explain the concept of market volatility' },
  ],
} as const;

const completionResponse = {
  type: 'object',
  description: 'The completion, with what it cost and where it ran.',
  required: [
    'request_id',
    'soeid',
    'project_name',
    'model',
    'completion',
    'finish_reason',
    'usage',
    'latency_ms',
  ],
  properties: {
    request_id: {
      type: 'string',
      description: 'Also sent as the `x-request-id` header and stored with the telemetry.',
    },
    soeid: { type: 'string' },
    project_name: { type: 'string' },
    model: { type: 'string', description: 'The model name the request was routed by (after defaults).' },
    completion: { type: 'string', description: 'The generated text.' },
    finish_reason: { type: 'string', description: '`stop`, `length`, `content_filter`, ...' },
    usage: {
      type: 'object',
      properties: {
        prompt_tokens: { type: 'integer' },
        completion_tokens: { type: 'integer' },
        total_tokens: { type: 'integer' },
      },
    },
    latency_ms: { type: 'number', description: 'Time in the gateway until the answer was ready.' },
    llm_latency_ms: { type: 'number', description: 'Time spent waiting for the LLM service.' },
    backend: { type: 'string', description: 'The downstream service that answered.' },
  },
} as const;

export const completionRouteSchema = (alias: boolean) => ({
  summary: alias ? 'Process an LLM chat request (alias of /api/llm/completion)' : 'Process an LLM request',
  description:
    'Sends `prompt` to the model and answers with the completion. Needs `X-API-Token`; the token must ' +
    'belong to `soeid` (403 otherwise; the development token `1` may act for any SOEID).',
  tags,
  headers: apiTokenHeader,
  body: completionBody,
  response: { 200: completionResponse, ...errorResponses },
});

const tokenBody = {
  type: 'object',
  required: ['soeid'],
  properties: {
    soeid: { type: 'string', minLength: 1 },
    project_id: { type: ['string', 'null'], description: 'Written into the token as a claim.' },
  },
  examples: [{ soeid: 'user123', project_id: 'optional' }],
} as const;

const tokenResponse = {
  type: 'object',
  description: 'A JWT for `X-API-Token`. The same SOEID (and project) always yields the same token.',
  required: ['token', 'token_type', 'soeid'],
  properties: {
    token: { type: 'string' },
    token_type: { type: 'string', enum: ['bearer'] },
    soeid: { type: 'string' },
    project_id: { type: 'string' },
  },
} as const;

export const generateTokenRouteSchema = {
  summary: 'Create a JWT token (requires secret)',
  description: '`X-Token-Secret` must equal the service token secret (401 otherwise).',
  tags,
  headers: tokenSecretHeader,
  body: tokenBody,
  response: { 200: tokenResponse, ...errorResponses },
};

export const generateTokenSimpleRouteSchema = (enabled: boolean) => ({
  summary: 'Simple token generation (no secret; development only)',
  description:
    'Issues a token to anyone for any SOEID. Served only when the profile enables it (otherwise 403 with a detail saying how).',
  tags,
  // A switched-off route answers 403 in FastAPI's shape, saying how to enable it, but is left out of the docs.
  hide: !enabled,
  body: tokenBody,
  response: { 200: tokenResponse, ...errorResponses },
});

export const verifyTokenRouteSchema = {
  summary: 'Validate a JWT token (requires secret)',
  description: 'Answers 200 either way: `{valid: true, soeid, project_id?}` or `{valid: false, detail}`.',
  tags,
  headers: tokenSecretHeader,
  body: {
    type: 'object',
    required: ['token'],
    properties: { token: { type: 'string', minLength: 1 } },
  },
  response: {
    200: {
      type: 'object',
      required: ['valid'],
      properties: {
        valid: { type: 'boolean' },
        soeid: { type: 'string' },
        project_id: { type: 'string' },
        detail: { type: 'string', description: 'Why the token is not valid.' },
      },
    },
    ...errorResponses,
  },
};

export const telemetryRouteSchema = {
  summary: 'Log a custom telemetry event',
  description:
    'Stores any JSON object as a telemetry record (`event`), attributed to the caller. Needs `X-API-Token`.',
  tags,
  headers: apiTokenHeader,
  body: telemetryEventSchema,
  response: {
    200: {
      type: 'object',
      required: ['status', 'request_id'],
      properties: {
        status: { type: 'string', enum: ['logged'] },
        request_id: { type: 'string', description: 'The id the event is stored under.' },
      },
    },
    ...errorResponses,
  },
};

export const infoRouteSchema = {
  summary: 'Service information',
  tags,
  response: {
    200: {
      type: 'object',
      properties: {
        service: { type: 'string' },
        version: { type: 'string' },
        surface: { type: 'string' },
        default_model: { type: ['string', 'null'] },
        models: { type: 'array', items: { type: 'string' } },
        auth: { type: 'string', enum: ['jwt'] },
        default_token_allowed: { type: 'boolean' },
        simple_token_endpoint: { type: 'boolean' },
        default_max_tokens: { type: 'integer' },
        default_temperature: { type: 'number' },
        endpoints: { type: 'array', items: { type: 'string' } },
        telemetry: {
          type: ['object', 'null'],
          description: 'The telemetry store in use (null: none) and its record counts',
          additionalProperties: true,
          properties: { store: { type: ['string', 'null'] } },
        },
      },
    },
    ...errorResponses,
  },
};
