import { errorResponses } from '@llm-gateway/spec/fastapi-errors';

const apiKey = [{ apiKey: [] }];

export const generateSchema = {
  summary: 'Submit a text generation task',
  description: 'Answers 202 with a task id at once; poll /status or /result, or follow /stream.',
  body: {
    type: 'object',
    required: ['prompt'],
    properties: {
      prompt: { type: 'string' },
      max_tokens: { type: 'integer', minimum: 1, default: 512 },
      temperature: { type: 'number', minimum: 0, maximum: 2, default: 0.7 },
      top_p: { type: 'number', minimum: 0, maximum: 1, default: 0.9 },
      user_id: { type: 'string' },
    },
  },
  response: {
    202: {
      type: 'object',
      properties: { status: { type: 'string' }, task_id: { type: 'string' }, message: { type: 'string' } },
    },
    ...errorResponses,
    429: {
      type: 'object',
      description: 'Over 60 requests a minute (burst 10) for this key; see Retry-After.',
      properties: { error: { type: 'string' }, status_code: { type: 'integer' } },
      required: ['error', 'status_code'],
    },
  },
  security: apiKey,
} as const;

export function taskRouteSchema(summary: string) {
  return {
    summary,
    params: { type: 'object', properties: { task_id: { type: 'string' } }, required: ['task_id'] },
    security: apiKey,
  } as const;
}
