/** JSON schemas of `POST /v1/embeddings` (OpenAI's Embeddings API): validation, serialization and /openapi.json. */
import { errorResponseSchema } from './schemas.js';

const maxInputs = 2048;
/** Above any embedding model's width; bounds what a client can make an upstream compute. */
const maxDimensions = 16_384;
const tokenArray = { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1 } as const;

export const embeddingsBodySchema = {
  type: 'object',
  description: 'An OpenAI embeddings request.',
  required: ['model', 'input'],
  properties: {
    model: { type: 'string', minLength: 1, description: 'An embedding model the gateway routes.' },
    input: {
      // anyOf, not a type list: Fastify's ajv runs in strict mode without allowUnionTypes.
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: maxInputs },
        tokenArray,
        { type: 'array', items: tokenArray, minItems: 1, maxItems: maxInputs },
      ],
      description:
        'A text, a list of texts, a token array or a list of token arrays (not every backend takes tokens).',
    },
    dimensions: {
      type: 'integer',
      minimum: 1,
      maximum: maxDimensions,
      description: 'Fewer dimensions, for models that support it.',
    },
    encoding_format: {
      type: 'string',
      enum: ['float', 'base64'],
      description: '`float` (default) or `base64`: little-endian float32 values, base64-encoded.',
    },
    user: { type: 'string', description: 'End-user id, forwarded upstream.' },
  },
} as const;

export const embeddingsResponseSchema = {
  type: 'object',
  description: 'The embeddings, one per input in input order.',
  properties: {
    object: { type: 'string', enum: ['list'] },
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          object: { type: 'string', enum: ['embedding'] },
          index: { type: 'integer' },
          embedding: {
            anyOf: [{ type: 'array', items: { type: 'number' } }, { type: 'string' }],
            description: 'The vector: numbers, or a base64 string with `encoding_format: base64`.',
          },
        },
      },
    },
    model: { type: 'string' },
    usage: {
      type: 'object',
      properties: { prompt_tokens: { type: 'integer' }, total_tokens: { type: 'integer' } },
    },
  },
} as const;

export const embeddingsRouteSchema = {
  summary: 'Create embeddings',
  description:
    'OpenAI-compatible embeddings, routed, rate-limited and retried like chat. A 400 ' +
    '`embeddings_not_supported` when the model is served by a backend without embeddings.',
  tags: ['openai'],
  body: embeddingsBodySchema,
  response: { 200: embeddingsResponseSchema, '4xx': errorResponseSchema, '5xx': errorResponseSchema },
};
