import {
  type ChatRequest,
  type ContentPart,
  GatewayError,
  type Message,
  type Principal,
  type ResponseFormat,
  type Role,
  type ToolCall,
  type ToolDefinition,
} from '@llm-gateway/spec';
import type {
  WireChatBody,
  WireCompletionBody,
  WireMessage,
  WireResponseFormat,
  WireSampling,
  WireTool,
} from './wire.js';

export function invalid(message: string, param: string, code = 'invalid_value'): GatewayError {
  return new GatewayError('invalid_request', message, { param, code });
}

function objectAt(item: unknown, at: string): Record<string, unknown> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw invalid(`Invalid '${at}': expected an object.`, at, 'invalid_type');
  }
  return item as Record<string, unknown>;
}

function stringAt(value: unknown, at: string): string {
  if (typeof value !== 'string') throw invalid(`Invalid '${at}': expected a string.`, at, 'invalid_type');
  return value;
}

const imageDetails = new Set(['auto', 'low', 'high']);

/** One content part; a `refusal` part (assistant history) comes back as undefined and is read by the caller. */
function contentPart(item: unknown, at: string): ContentPart | undefined {
  const part = objectAt(item, at);
  switch (part.type) {
    case 'text':
      return { type: 'text', text: stringAt(part.text, `${at}.text`) };
    case 'image_url': {
      const image = objectAt(part.image_url, `${at}.image_url`);
      const out: ContentPart = { type: 'image', url: stringAt(image.url, `${at}.image_url.url`) };
      if (image.detail !== undefined && image.detail !== null) {
        if (typeof image.detail !== 'string' || !imageDetails.has(image.detail)) {
          throw invalid(
            `Invalid '${at}.image_url.detail': expected auto, low or high.`,
            `${at}.image_url.detail`,
          );
        }
        out.detail = image.detail as 'auto' | 'low' | 'high';
      }
      return out;
    }
    case 'input_audio': {
      const audio = objectAt(part.input_audio, `${at}.input_audio`);
      return {
        type: 'audio',
        data: stringAt(audio.data, `${at}.input_audio.data`),
        format: stringAt(audio.format, `${at}.input_audio.format`),
      };
    }
    case 'refusal':
      stringAt(part.refusal, `${at}.refusal`);
      return undefined;
    default:
      throw invalid(
        `Invalid '${at}.type': expected text, image_url or input_audio, got ${JSON.stringify(part.type ?? null)}.`,
        `${at}.type`,
      );
  }
}

/** The message's text, and its parts when they are more than text. */
function messageContent(message: WireMessage, index: number): Pick<Message, 'content' | 'parts' | 'refusal'> {
  const content: unknown = message.content;
  const param = `messages[${index}].content`;
  if (typeof content === 'string') return { content };
  if (content === undefined || content === null) {
    // Assistant turns that only called tools carry no content.
    if (message.role === 'assistant') return { content: '' };
    throw invalid(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  if (!Array.isArray(content)) {
    throw invalid(
      `Invalid '${param}': expected a string or an array of content parts.`,
      param,
      'invalid_type',
    );
  }
  const parts: ContentPart[] = [];
  let refusal = '';
  content.forEach((item: unknown, at) => {
    const part = contentPart(item, `${param}[${at}]`);
    if (part) parts.push(part);
    else refusal += (item as { refusal: string }).refusal;
  });
  const text = parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
  const out: Pick<Message, 'content' | 'parts' | 'refusal'> = { content: text };
  // Text-only content is sent on as one string, the way every backend takes it.
  if (parts.some((part) => part.type !== 'text')) out.parts = parts;
  if (refusal) out.refusal = refusal;
  return out;
}

function toolCalls(calls: unknown, index: number): ToolCall[] {
  const param = `messages[${index}].tool_calls`;
  if (!Array.isArray(calls)) throw invalid(`Invalid '${param}': expected an array.`, param, 'invalid_type');
  return calls.map((item: unknown, at) => {
    const call = objectAt(item, `${param}[${at}]`);
    const fn = objectAt(call.function, `${param}[${at}].function`);
    return {
      id: stringAt(call.id, `${param}[${at}].id`),
      type: 'function',
      function: {
        name: stringAt(fn.name, `${param}[${at}].function.name`),
        arguments: stringAt(fn.arguments, `${param}[${at}].function.arguments`),
      },
    };
  });
}

export function toMessages(messages: readonly WireMessage[]): Message[] {
  return messages.map((message, index) => {
    const role: Role = message.role === 'developer' ? 'system' : message.role;
    const out: Message = { role, ...messageContent(message, index) };
    if (message.name !== undefined) out.name = message.name;
    if (role === 'assistant' && message.tool_calls != null) {
      const calls = toolCalls(message.tool_calls, index);
      if (calls.length > 0) out.toolCalls = calls;
    }
    if (typeof message.refusal === 'string') out.refusal = message.refusal;
    if (role === 'tool') {
      const param = `messages[${index}].tool_call_id`;
      if (typeof message.tool_call_id !== 'string') {
        throw invalid(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
      }
      out.toolCallId = message.tool_call_id;
    }
    return out;
  });
}

/** Model and sampling fields, with the principal's and the profile's defaults applied. */
export function sampling(body: WireSampling, principal: Principal, defaultModel: string | undefined) {
  const model = body.model?.trim() || principal.defaults?.model || defaultModel;
  if (!model) {
    throw invalid(`Missing required parameter: 'model'.`, 'model', 'missing_required_parameter');
  }
  const request: Omit<ChatRequest, 'messages'> = { model };
  let maxTokens = body.max_completion_tokens ?? body.max_tokens ?? principal.defaults?.maxTokens;
  const limit = principal.defaults?.maxTokensLimit;
  if (maxTokens !== undefined && limit !== undefined) maxTokens = Math.min(maxTokens, limit);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  if (body.temperature != null) request.temperature = body.temperature;
  if (body.top_p != null) request.topP = body.top_p;
  if (body.stop != null) {
    const stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
    if (stop.length > 0) request.stop = stop;
  }
  if (body.seed != null) request.seed = body.seed;
  if (body.presence_penalty != null) request.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty != null) request.frequencyPenalty = body.frequency_penalty;
  if (body.user !== undefined) request.user = body.user;
  if (body.n != null && body.n !== 1) request.n = body.n;
  return request;
}

/** The chat body's fields this surface reads; every other one travels on in `extra`. */
const modelledFields = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'user',
  'n',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'metadata',
]);

function responseFormat(format: WireResponseFormat): ResponseFormat {
  if (format.type !== 'json_schema') return { type: format.type };
  const { name, description, schema, strict } = format.json_schema;
  const jsonSchema: Extract<ResponseFormat, { type: 'json_schema' }>['jsonSchema'] = { name };
  if (description !== undefined) jsonSchema.description = description;
  if (schema !== undefined) jsonSchema.schema = schema;
  if (strict != null) jsonSchema.strict = strict;
  return { type: 'json_schema', jsonSchema };
}

function tool(wire: WireTool): ToolDefinition {
  const { name, description, parameters, strict } = wire.function;
  const fn: ToolDefinition['function'] = { name };
  if (description !== undefined) fn.description = description;
  if (parameters !== undefined) fn.parameters = parameters;
  if (strict != null) fn.strict = strict;
  return { type: 'function', function: fn };
}

/** Tools, structured output, logprobs and the rest of the chat-only fields; unmodelled ones into `extra`. */
function chatFields(body: WireChatBody): Partial<ChatRequest> {
  const out: Partial<ChatRequest> = {};
  if (body.tools != null && body.tools.length > 0) out.tools = body.tools.map(tool);
  if (body.tool_choice != null) out.toolChoice = body.tool_choice;
  if (body.parallel_tool_calls != null) out.parallelToolCalls = body.parallel_tool_calls;
  if (body.response_format != null) out.responseFormat = responseFormat(body.response_format);
  if (body.logprobs != null) out.logprobs = body.logprobs;
  if (body.top_logprobs != null) out.topLogprobs = body.top_logprobs;
  if (body.logit_bias != null) out.logitBias = body.logit_bias;
  if (body.metadata != null) out.metadata = body.metadata;
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!modelledFields.has(key) && value !== undefined) extra[key] = value;
  }
  if (Object.keys(extra).length > 0) out.extra = extra;
  return out;
}

export function chatRequestFromChat(
  body: WireChatBody,
  principal: Principal,
  defaultModel?: string,
): ChatRequest {
  return {
    ...sampling(body, principal, defaultModel),
    ...chatFields(body),
    messages: toMessages(body.messages),
  };
}

export function chatRequestFromCompletion(
  body: WireCompletionBody,
  principal: Principal,
  defaultModel?: string,
): ChatRequest {
  const prompt = typeof body.prompt === 'string' ? body.prompt : body.prompt[0]!;
  return { ...sampling(body, principal, defaultModel), messages: [{ role: 'user', content: prompt }] };
}

export function wantsStream(body: WireSampling): boolean {
  return body.stream === true;
}

export function wantsUsage(body: WireSampling): boolean {
  return body.stream_options?.include_usage === true;
}
