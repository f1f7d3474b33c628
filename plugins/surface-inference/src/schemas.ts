import { errorResponses } from '@llm-gateway/plugin-kit/fastapi-errors';

const rateLimitedSchema = {
  type: 'object',
  description: 'Over 60 requests a minute (burst 10) for this key; see Retry-After.',
  properties: { error: { type: 'string' }, status_code: { type: 'integer' } },
  required: ['error', 'status_code'],
} as const;

export const generateSchema = {
  summary: 'Submit a text generation task',
  // No `security`: the document declares no schemes (the key's header is the profile's), and @fastify/swagger
  // fails the whole /openapi.json on a route naming an undeclared one.
  description:
    "Answers 202 with a task id at once; poll /status or /result, or follow /stream. Authenticate with the profile's API key header (X-API-Key) or ?api_key=.",
  body: {
    type: 'object',
    required: ['prompt'],
    properties: {
      // The limits of requests.ts (which validates: the FastAPI surfaces keep Fastify's validator off).
      prompt: { type: 'string', minLength: 1 },
      max_tokens: { type: 'integer', minimum: 1, maximum: 32_768, default: 512 },
      temperature: { type: 'number', minimum: 0, maximum: 2, default: 0.7 },
      top_p: { type: 'number', minimum: 0, maximum: 1, default: 0.9 },
      user_id: { type: 'string', maxLength: 256 },
    },
  },
  response: {
    202: {
      type: 'object',
      properties: { status: { type: 'string' }, task_id: { type: 'string' }, message: { type: 'string' } },
    },
    ...errorResponses,
    429: rateLimitedSchema,
  },
} as const;

/** The 200 of a task route: its JSON body (untyped, so Fastify sends it as built), or for /stream its events. */
const taskJson = {
  content: { 'application/json': { schema: { description: 'The task, as the seed reports it.' } } },
};
export const taskEvents = {
  content: {
    // Before OpenAPI 3.2, an event stream's `schema` describes each event.
    'text/event-stream': { schema: { type: 'object', properties: { data: { type: 'string' } } } },
  },
} as const;

export function taskRouteSchema(summary: string, ok: object = taskJson) {
  return {
    summary,
    params: { type: 'object', properties: { task_id: { type: 'string' } }, required: ['task_id'] },
    // Every answer documented, the 429s (per key, and failed logins) included.
    response: { 200: { description: summary, ...ok }, ...errorResponses, 429: rateLimitedSchema },
  } as const;
}
