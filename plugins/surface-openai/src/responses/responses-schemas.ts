import { errorResponseSchema } from '../schemas.js';

/** Bounds on what one request may make the gateway translate and keep (the body limit bounds bytes). */
export const responsesLimits = { inputItems: 4096, contentParts: 512, tools: 512, include: 32 } as const;

const errorResponses = { '4xx': errorResponseSchema, '5xx': errorResponseSchema } as const;
const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });

// Arrays first: an Ajv that coerces types ('array') would otherwise unwrap a one-item array for the string branch.
const contentSchema = {
  anyOf: [
    {
      type: 'array',
      maxItems: responsesLimits.contentParts,
      items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
    },
    { type: 'string' },
  ],
};

const inputItemSchema = {
  type: 'object',
  properties: { type: { type: 'string' }, role: { type: 'string' }, content: contentSchema },
};

/** Field types only; which items, tools and values are served is checked (with OpenAI-style errors) in code. */
export const responsesBodySchema = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    input: {
      anyOf: [
        { type: 'array', maxItems: responsesLimits.inputItems, items: inputItemSchema },
        { type: 'string' },
      ],
    },
    instructions: nullable({ type: 'string' }),
    tools: {
      type: 'array',
      maxItems: responsesLimits.tools,
      items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
    },
    tool_choice: {
      anyOf: [
        { type: 'string', enum: ['none', 'auto', 'required'] },
        { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
      ],
    },
    text: nullable({
      type: 'object',
      properties: {
        format: {
          type: 'object',
          required: ['type'],
          properties: {
            type: { type: 'string', enum: ['text', 'json_object', 'json_schema'] },
            name: { type: 'string' },
            schema: { type: 'object' },
            strict: nullable({ type: 'boolean' }),
          },
        },
      },
    }),
    max_output_tokens: nullable({ type: 'integer', minimum: 1 }),
    temperature: nullable({ type: 'number', minimum: 0, maximum: 2 }),
    top_p: nullable({ type: 'number', minimum: 0, maximum: 1 }),
    metadata: nullable({
      type: 'object',
      maxProperties: 16,
      additionalProperties: { type: 'string', maxLength: 512 },
    }),
    user: { type: 'string' },
    safety_identifier: { type: 'string' },
    stream: nullable({ type: 'boolean' }),
    stream_options: nullable({ type: 'object' }),
    store: nullable({ type: 'boolean' }),
    background: nullable({ type: 'boolean' }),
    previous_response_id: nullable({ type: 'string', maxLength: 128 }),
    parallel_tool_calls: nullable({ type: 'boolean' }),
    reasoning: nullable({ type: 'object' }),
    include: nullable({ type: 'array', maxItems: responsesLimits.include, items: { type: 'string' } }),
    prompt_cache_key: { type: 'string' },
    service_tier: nullable({ type: 'string' }),
    truncation: nullable({ type: 'string', enum: ['auto', 'disabled'] }),
  },
};

const responseSchema = {
  type: 'object',
  description: 'A response object (`object: "response"`).',
  additionalProperties: true,
};

const idParams = {
  type: 'object',
  // No maxLength: the router takes ids up to 1024 characters (server routerOptions) and an unknown id is a 404.
  properties: { id: { type: 'string' } },
  required: ['id'],
};

/** JSON, or with `stream: true` the Responses events (before OpenAPI 3.2 an event stream's schema is one event). */
const responseOrEvents = {
  description: responseSchema.description,
  content: {
    'application/json': { schema: responseSchema },
    'text/event-stream': {
      schema: {
        type: 'object',
        description:
          'One server-sent event: `event` names it, `data` holds its JSON (type, sequence_number, ...).',
        required: ['data'],
        properties: { event: { type: 'string' }, data: { type: 'string' } },
      },
    },
  },
};

export const createResponseRouteSchema = {
  summary: 'Create a model response (Responses API)',
  description:
    'OpenAI Responses API over every backend. With `stream: true` the answer is `text/event-stream` with ' +
    "the Responses events; `background: true` queues it. Tuning fields the backend ignores are listed in 'x-gateway-dropped-params'.",
  tags: ['openai'],
  body: responsesBodySchema,
  response: { 200: responseOrEvents, ...errorResponses },
};

export const getResponseRouteSchema = {
  summary: 'Retrieve a stored model response',
  tags: ['openai'],
  params: idParams,
  response: { 200: responseSchema, ...errorResponses },
};

export const deleteResponseRouteSchema = {
  summary: 'Delete a stored model response',
  tags: ['openai'],
  params: idParams,
  response: {
    200: {
      type: 'object',
      properties: { id: { type: 'string' }, object: { type: 'string' }, deleted: { type: 'boolean' } },
    },
    ...errorResponses,
  },
};

export const cancelResponseRouteSchema = {
  summary: 'Cancel a background model response',
  tags: ['openai'],
  params: idParams,
  response: { 200: responseSchema, ...errorResponses },
};

export const inputItemsRouteSchema = {
  summary: "List a stored response's input items",
  tags: ['openai'],
  params: idParams,
  querystring: {
    type: 'object',
    properties: {
      // Query strings are not coerced by this server: the number is checked as text, read in code.
      limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100 (default 20).' },
      order: { type: 'string', enum: ['asc', 'desc'], description: 'Default desc.' },
      after: { type: 'string', maxLength: 128 },
      include: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        object: { type: 'string' },
        data: { type: 'array', items: { type: 'object', additionalProperties: true } },
        first_id: nullable({ type: 'string' }),
        last_id: nullable({ type: 'string' }),
        has_more: { type: 'boolean' },
      },
    },
    ...errorResponses,
  },
};
