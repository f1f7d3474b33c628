/** JSON schemas of the routes, for /openapi.json and response serialization; bodies are validated with zod (requests.ts). */
import { errorResponses } from '@llm-gateway/plugin-kit/fastapi-errors';

const tags = ['dsp'];

const clientHeaders = {
  type: 'object',
  properties: {
    client_id: { type: 'string', description: 'The client id of a client configuration.' },
    client_secret: { type: 'string', description: "The client's secret." },
  },
} as const;

export const generateRouteSchema = {
  summary: 'Generate text',
  description:
    'Sends `prompt` to `provider`/`model` (defaults: the client configuration, then the service). ' +
    '403 when the client may not use the endpoint or the provider; 400 when `max_tokens` exceeds the ' +
    "client's `max_tokens_limit`.",
  tags,
  headers: clientHeaders,
  body: {
    type: 'object',
    required: ['prompt'],
    description: 'Unknown fields are ignored; numbers may be sent as strings.',
    properties: {
      prompt: { type: 'string', minLength: 1 },
      temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
      max_tokens: { type: ['integer', 'null'], minimum: 1 },
      provider: {
        type: ['string', 'null'],
        description: 'A provider (backend) name, e.g. `openai`, `groq`.',
      },
      model: { type: ['string', 'null'] },
    },
    examples: [
      {
        prompt: 'Hello, world!',
        temperature: 0.7,
        max_tokens: 150,
        provider: 'groq',
        model: 'mixtral-8x7b-32768',
      },
    ],
  },
  response: {
    200: {
      type: 'object',
      required: ['text', 'model', 'usage'],
      properties: {
        text: { type: 'string' },
        model: { type: 'string' },
        usage: {
          type: 'object',
          properties: {
            prompt_tokens: { type: 'integer' },
            completion_tokens: { type: 'integer' },
            total_tokens: { type: 'integer' },
          },
        },
      },
    },
    ...errorResponses,
  },
};

const fileNotes = {
  type: 'array',
  items: {
    type: 'object',
    required: ['file', 'reason'],
    properties: { file: { type: 'string' }, reason: { type: 'string' } },
  },
} as const;

export const reloadRouteSchema = {
  summary: 'Reload client configurations',
  description: 'Re-reads the client configuration files; needs the `clients/reload` endpoint permission.',
  tags,
  headers: clientHeaders,
  response: {
    200: {
      type: 'object',
      required: ['message', 'count'],
      properties: {
        message: { type: 'string' },
        count: { type: 'integer', description: 'Client configurations loaded and in force' },
        skipped: { ...fileNotes, description: 'Files left out, with why (never their contents)' },
        warnings: { ...fileNotes, description: 'Files loaded with a secret to fix (plaintext, or shared)' },
      },
      examples: [
        { message: 'Successfully reloaded 3 client configurations', count: 3, skipped: [], warnings: [] },
      ],
    },
    ...errorResponses,
  },
};
