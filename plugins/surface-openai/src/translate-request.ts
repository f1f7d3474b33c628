import { type ChatRequest, GatewayError, type Message, type Principal, type Role } from '@llm-gateway/spec';
import type { WireChatBody, WireCompletionBody, WireMessage, WireSampling } from './wire.js';

function invalid(message: string, param: string, code = 'invalid_value'): GatewayError {
  return new GatewayError('invalid_request', message, { param, code });
}

function contentText(message: WireMessage, index: number): string {
  const content: unknown = message.content;
  const param = `messages[${index}].content`;
  if (typeof content === 'string') return content;
  if (content === undefined || content === null) {
    // Assistant turns that only called tools carry no content.
    if (message.role === 'assistant') return '';
    throw invalid(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  if (!Array.isArray(content)) {
    throw invalid(
      `Invalid '${param}': expected a string or an array of content parts.`,
      param,
      'invalid_type',
    );
  }
  let text = '';
  for (let part = 0; part < content.length; part++) {
    const item: unknown = content[part];
    const at = `${param}[${part}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw invalid(`Invalid '${at}': expected an object.`, at, 'invalid_type');
    }
    const { type, text: partText } = item as { type?: unknown; text?: unknown };
    if (type !== 'text') {
      throw invalid(
        `Invalid '${at}.type': only 'text' content parts are supported, got ${JSON.stringify(type ?? null)}.`,
        `${at}.type`,
      );
    }
    if (typeof partText !== 'string') {
      throw invalid(`Invalid '${at}.text': expected a string.`, `${at}.text`, 'invalid_type');
    }
    text += partText;
  }
  return text;
}

export function toMessages(messages: readonly WireMessage[]): Message[] {
  return messages.map((message, index) => {
    const role: Role = message.role === 'developer' ? 'system' : message.role;
    const out: Message = { role, content: contentText(message, index) };
    if (message.name !== undefined) out.name = message.name;
    return out;
  });
}

/** Model and sampling fields, with the principal's and the profile's defaults applied. */
function sampling(body: WireSampling, principal: Principal, defaultModel: string | undefined) {
  if (body.n !== undefined && body.n !== null && body.n !== 1) {
    throw invalid(`Invalid 'n': only n=1 is supported by this gateway.`, 'n', 'unsupported_value');
  }
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
  return request;
}

export function chatRequestFromChat(
  body: WireChatBody,
  principal: Principal,
  defaultModel?: string,
): ChatRequest {
  return { ...sampling(body, principal, defaultModel), messages: toMessages(body.messages) };
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
