/** JSON schemas of the routes: Fastify validates bodies with them and /openapi.json shows them. Blocks are checked in code. */

const messagesProperties = {
  model: { type: 'string', description: "Model name; the profile's default model when left out." },
  messages: {
    type: 'array',
    minItems: 1,
    description: 'The conversation: alternating user and assistant turns.',
    items: {
      type: 'object',
      required: ['role', 'content'],
      properties: {
        role: { type: 'string', enum: ['user', 'assistant', 'system'] },
        content: { description: 'Text, or text / image / tool_use / tool_result blocks.' },
      },
    },
  },
  max_tokens: { type: 'integer', minimum: 1, description: 'Maximum tokens to generate (required).' },
  system: { description: 'A system prompt: text, or text blocks.' },
  stop_sequences: { type: 'array', items: { type: 'string' } },
  temperature: { type: 'number', minimum: 0, maximum: 1 },
  top_p: { type: 'number', minimum: 0, maximum: 1 },
  top_k: { type: 'integer', minimum: 0, description: 'Sent on to backends that take it.' },
  stream: { type: 'boolean', description: "Answer with Anthropic's server-sent events." },
  tools: {
    type: 'array',
    items: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1 },
        description: { type: 'string' },
        input_schema: { type: 'object', description: "A JSON Schema of the tool's input." },
        type: { type: 'string' },
      },
    },
  },
  tool_choice: {
    type: 'object',
    required: ['type'],
    properties: {
      type: { type: 'string', enum: ['auto', 'any', 'tool', 'none'] },
      name: { type: 'string' },
      disable_parallel_tool_use: { type: 'boolean' },
    },
  },
  metadata: { type: 'object', properties: { user_id: { type: ['string', 'null'] } } },
  thinking: {
    type: 'object',
    required: ['type'],
    properties: {
      type: { type: 'string', enum: ['enabled', 'disabled', 'adaptive'] },
      budget_tokens: { type: 'integer', minimum: 1024 },
    },
  },
  service_tier: { type: 'string', enum: ['auto', 'standard_only'] },
  output_config: {
    type: 'object',
    properties: {
      format: {
        type: 'object',
        required: ['type', 'schema'],
        properties: { type: { type: 'string', enum: ['json_schema'] }, schema: { type: 'object' } },
      },
    },
  },
} as const;

export const messagesBodySchema = {
  type: 'object',
  description: 'An Anthropic Messages API request.',
  required: ['messages', 'max_tokens'],
  properties: messagesProperties,
} as const;

export const countTokensBodySchema = {
  type: 'object',
  description: 'A Messages API request to count the input tokens of (max_tokens not needed).',
  required: ['messages'],
  properties: messagesProperties,
} as const;

const errorSchema = {
  type: 'object',
  description: "An error in Anthropic's shape.",
  properties: {
    type: { type: 'string', enum: ['error'] },
    error: { type: 'object', properties: { type: { type: 'string' }, message: { type: 'string' } } },
    request_id: { type: 'string' },
  },
} as const;

const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;

export const messagesRouteSchema = {
  summary: 'Create a message (Anthropic Messages API)',
  body: messagesBodySchema,
  response: errorResponses,
} as const;

export const countTokensRouteSchema = {
  summary: 'Count the input tokens of a message (the gateway tokenizer)',
  body: countTokensBodySchema,
  response: {
    200: { type: 'object', properties: { input_tokens: { type: 'integer' } }, required: ['input_tokens'] },
    ...errorResponses,
  },
} as const;

export const modelsQuerySchema = {
  type: 'object',
  properties: {
    // Query strings are not coerced by the server: the number is checked as text, read in code.
    limit: { type: 'string', pattern: '^(1000|[1-9][0-9]{0,2})$', description: '1 to 1000 (default 20).' },
    after_id: { type: 'string', maxLength: 256 },
    before_id: { type: 'string', maxLength: 256 },
  },
} as const;

export const modelParamsSchema = {
  type: 'object',
  properties: { '*': { type: 'string', description: 'The model id (it may hold slashes).' } },
} as const;
