/** JSON schemas of the routes: Fastify validates bodies and serializes responses with them, and /openapi.json shows them. */

export const messageRoles = ['system', 'user', 'assistant', 'tool', 'developer'] as const;

const samplingProperties = {
  model: {
    type: 'string',
    description: "Model name; the profile's default model when left out.",
  },
  max_tokens: { type: ['integer', 'null'], minimum: 1, description: 'Maximum tokens to generate.' },
  max_completion_tokens: {
    type: ['integer', 'null'],
    minimum: 1,
    description: 'Maximum tokens to generate (wins over max_tokens).',
  },
  temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
  top_p: { type: ['number', 'null'], minimum: 0, maximum: 1 },
  stop: {
    // anyOf, not a type list: Fastify's ajv runs in strict mode without allowUnionTypes.
    anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 4 }, { type: 'null' }],
    description: 'Up to 4 sequences where generation stops.',
  },
  seed: { type: ['integer', 'null'] },
  presence_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
  frequency_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
  user: { type: 'string', description: 'End-user id, forwarded upstream.' },
  n: {
    type: ['integer', 'null'],
    minimum: 1,
    maximum: 128,
    description: 'How many choices to generate; a backend that cannot answers 400 naming `n`.',
  },
  stream: { type: ['boolean', 'null'], description: 'Answer with server-sent events.' },
  stream_options: {
    type: ['object', 'null'],
    properties: {
      include_usage: { type: ['boolean', 'null'], description: 'Send a last chunk with `usage`.' },
    },
  },
} as const;

export const chatCompletionBodySchema = {
  type: 'object',
  description: 'An OpenAI chat completion request.',
  required: ['messages'],
  properties: {
    messages: {
      type: 'array',
      minItems: 1,
      description: 'The conversation so far.',
      items: {
        type: 'object',
        required: ['role'],
        properties: {
          role: { type: 'string', enum: messageRoles },
          content: {
            // Checked in code: ajv's type coercion inside anyOf rewrites a one-part array before the array branch sees it.
            description: 'Text, or an array of `text`, `image_url` and `input_audio` parts.',
          },
          name: { type: 'string' },
          tool_calls: {
            type: ['array', 'null'],
            description: "An assistant turn's tool calls (checked in code).",
          },
          tool_call_id: { type: 'string', description: 'The call a `tool` message answers.' },
          refusal: { type: ['string', 'null'] },
        },
      },
    },
    ...samplingProperties,
    tools: {
      type: 'array',
      description: 'Functions the model may call.',
      items: {
        type: 'object',
        required: ['type', 'function'],
        properties: {
          type: { type: 'string', enum: ['function'] },
          function: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string', minLength: 1 },
              description: { type: 'string' },
              parameters: { type: 'object', description: 'A JSON Schema of the arguments.' },
              strict: { type: ['boolean', 'null'] },
            },
          },
        },
      },
    },
    tool_choice: {
      anyOf: [
        { type: 'string', enum: ['none', 'auto', 'required'] },
        {
          type: 'object',
          required: ['type', 'function'],
          properties: {
            type: { type: 'string', enum: ['function'] },
            function: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
          },
        },
      ],
    },
    parallel_tool_calls: { type: ['boolean', 'null'] },
    response_format: {
      anyOf: [
        {
          type: 'object',
          required: ['type'],
          properties: { type: { type: 'string', enum: ['text', 'json_object'] } },
        },
        {
          type: 'object',
          required: ['type', 'json_schema'],
          properties: {
            type: { type: 'string', enum: ['json_schema'] },
            json_schema: {
              type: 'object',
              required: ['name'],
              properties: {
                name: { type: 'string', minLength: 1 },
                description: { type: 'string' },
                schema: { type: 'object' },
                strict: { type: ['boolean', 'null'] },
              },
            },
          },
        },
        { type: 'null' },
      ],
      description: '`text`, `json_object`, or `json_schema` with `strict`.',
    },
    logprobs: { type: ['boolean', 'null'] },
    top_logprobs: { type: ['integer', 'null'], minimum: 0, maximum: 20 },
    logit_bias: {
      type: ['object', 'null'],
      additionalProperties: { type: 'number', minimum: -100, maximum: 100 },
    },
    metadata: { type: ['object', 'null'], additionalProperties: { type: 'string' } },
  },
} as const;

export const completionBodySchema = {
  type: 'object',
  description: 'A legacy OpenAI text completion request.',
  required: ['prompt'],
  properties: {
    prompt: {
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 1 }],
      description: 'One prompt (a string, or an array holding one string).',
    },
    ...samplingProperties,
  },
} as const;

const usageSchema = {
  type: 'object',
  properties: {
    prompt_tokens: { type: 'integer' },
    completion_tokens: { type: 'integer' },
    total_tokens: { type: 'integer' },
    from_cache: { type: 'boolean', description: 'True when the gateway answered from its cache.' },
  },
} as const;

export const errorResponseSchema = {
  type: 'object',
  description: "An error in OpenAI's shape.",
  properties: {
    error: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        param: { type: ['string', 'null'] },
        code: { type: ['string', 'null'] },
      },
    },
  },
} as const;

const errorResponses = { '4xx': errorResponseSchema, '5xx': errorResponseSchema } as const;

/** An async chat completion (`Prefer: respond-async`) that has not produced its completion. */
export const taskResponseSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['task'] },
    status: { type: 'string', enum: ['queued', 'processing', 'completed', 'failed'] },
    created_at: { type: 'integer' },
    error: { type: 'object', properties: { message: { type: 'string' }, type: { type: 'string' } } },
  },
  required: ['id', 'object', 'status'],
} as const;

const toolCallSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    function: { type: 'object', properties: { name: { type: 'string' }, arguments: { type: 'string' } } },
  },
} as const;

/** Token log probabilities as the upstream sent them. */
const logprobsSchema = { type: ['object', 'null'], additionalProperties: true } as const;

export const chatCompletionResponseSchema = {
  type: 'object',
  description:
    'A chat completion; with `stream: true`, a `text/event-stream` of `chat.completion.chunk` objects.',
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['chat.completion'] },
    created: { type: 'integer' },
    model: { type: 'string' },
    choices: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer' },
          message: {
            type: 'object',
            properties: {
              role: { type: 'string' },
              content: { type: ['string', 'null'] },
              refusal: { type: ['string', 'null'] },
              tool_calls: { type: 'array', items: toolCallSchema },
            },
          },
          logprobs: logprobsSchema,
          finish_reason: { type: 'string' },
        },
      },
    },
    usage: usageSchema,
    system_fingerprint: { type: ['string', 'null'] },
  },
} as const;

export const completionResponseSchema = {
  type: 'object',
  description: 'A text completion; with `stream: true`, a `text/event-stream` of `text_completion` chunks.',
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['text_completion'] },
    created: { type: 'integer' },
    model: { type: 'string' },
    choices: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          text: { type: 'string' },
          index: { type: 'integer' },
          logprobs: { type: 'null' },
          finish_reason: { type: 'string' },
        },
      },
    },
    usage: usageSchema,
  },
} as const;

/** A 200 that is JSON, or with `stream: true` server-sent events: both media types in the OpenAPI document. */
function jsonOrEventStream<Schema extends { description: string }>(schema: Schema) {
  return {
    description: schema.description,
    content: {
      'application/json': { schema },
      // Before OpenAPI 3.2, an event stream's `schema` describes each event.
      'text/event-stream': {
        schema: {
          type: 'object',
          description: 'One server-sent event: a JSON chunk in `data`, and `[DONE]` last.',
          required: ['data'],
          properties: { data: { type: 'string' } },
        },
      },
    },
  } as const;
}

const modelSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['model'] },
    created: { type: 'integer' },
    owned_by: { type: 'string', description: 'The backend instance serving the model.' },
  },
} as const;

export const chatCompletionsRouteSchema = {
  summary: 'Create a chat completion',
  description:
    'OpenAI-compatible chat completion. With `stream: true` the answer is `text/event-stream`: ' +
    '`chat.completion.chunk` events, then `data: [DONE]`.',
  tags: ['openai'],
  body: chatCompletionBodySchema,
  response: {
    200: jsonOrEventStream(chatCompletionResponseSchema),
    202: { ...taskResponseSchema, description: 'With `Prefer: respond-async`: the task, at `Location`.' },
    ...errorResponses,
  },
};

export const completionsRouteSchema = {
  summary: 'Create a text completion (legacy)',
  description:
    'OpenAI-compatible legacy completion of one prompt; `stream: true` answers with server-sent events.',
  tags: ['openai'],
  body: completionBodySchema,
  response: { 200: jsonOrEventStream(completionResponseSchema), ...errorResponses },
};

export const modelsRouteSchema = {
  summary: 'List models',
  description: 'The models this gateway routes, with the backend serving each.',
  tags: ['openai'],
  response: {
    200: {
      type: 'object',
      description: 'The model list.',
      properties: { object: { type: 'string', enum: ['list'] }, data: { type: 'array', items: modelSchema } },
    },
    ...errorResponses,
  },
};

export const modelRouteSchema = {
  summary: 'Retrieve a model',
  tags: ['openai'],
  params: {
    type: 'object',
    properties: { '*': { type: 'string', description: 'Model id (may contain `/`).' } },
  },
  response: { 200: { ...modelSchema, description: 'The model.' }, ...errorResponses },
};

export const taskRouteSchema = {
  summary: 'Retrieve an async chat completion',
  description:
    'The task of a `POST /v1/chat/completions` sent with `Prefer: respond-async`: 200 with the chat ' +
    'completion once done, 202 with the task while it waits or runs, 200 with the task and its error if it failed.',
  tags: ['openai'],
  params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  response: {
    200: { anyOf: [chatCompletionResponseSchema, taskResponseSchema] },
    202: taskResponseSchema,
    ...errorResponses,
  },
};
