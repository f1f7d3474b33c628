import type { ChatRequest, Principal, TuningParam, TuningParams } from '@llm-gateway/spec';
import { convertMessages, convertSystem } from './convert-messages.js';
import { invalid } from './invalid.js';
import { prepareTools } from './prepare-tools.js';
import type { WireCountTokensBody } from './wire.js';

/** Each tuning parameter by the Anthropic field it came from, for `x-gateway-dropped-params`. */
export const tuningFields: Partial<Record<TuningParam, string>> = {
  thinkingBudgetTokens: 'thinking',
  serviceTier: 'service_tier',
};

function tuning(body: WireCountTokensBody): TuningParams | undefined {
  const out: TuningParams = {};
  const thinking = body.thinking;
  if (thinking?.type === 'enabled' && 'budget_tokens' in thinking) {
    if (body.max_tokens !== undefined && thinking.budget_tokens >= body.max_tokens) {
      throw invalid('thinking.budget_tokens', '`max_tokens` must be greater than `thinking.budget_tokens`');
    }
    out.thinkingBudgetTokens = thinking.budget_tokens;
  }
  if (body.service_tier !== undefined) out.serviceTier = body.service_tier;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The model, with the principal's and the profile's defaults applied. */
function modelOf(body: WireCountTokensBody, principal: Principal, defaultModel: string | undefined): string {
  const model = body.model?.trim() || principal.defaults?.model || defaultModel;
  if (!model) throw invalid('model', 'Field required');
  return model;
}

/**
 * A Messages API body (or a count_tokens body, which has no max_tokens) as a ChatRequest. The body also
 * travels as it is (`native`), for a backend that speaks the Messages API itself.
 */
export function convertMessagesRequest(
  body: WireCountTokensBody,
  principal: Principal,
  defaultModel: string | undefined,
): ChatRequest {
  const request: ChatRequest = {
    model: modelOf(body, principal, defaultModel),
    messages: [...convertSystem(body.system), ...convertMessages(body.messages)],
    ...prepareTools(body.tools, body.tool_choice),
    native: { wire: 'anthropic-messages', body: body as unknown as Record<string, unknown> },
  };
  const limit = principal.defaults?.maxTokensLimit;
  if (body.max_tokens !== undefined)
    request.maxTokens = limit === undefined ? body.max_tokens : Math.min(body.max_tokens, limit);
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.topP = body.top_p;
  if (body.stop_sequences && body.stop_sequences.length > 0) request.stop = body.stop_sequences;
  const user = body.metadata?.user_id;
  if (typeof user === 'string' && user !== '') request.user = user;
  // top_k has no normalized field: backends that take it read it from `extra`.
  if (body.top_k !== undefined) request.extra = { top_k: body.top_k };
  const format = body.output_config?.format;
  if (format?.type === 'json_schema')
    request.responseFormat = { type: 'json_schema', jsonSchema: { name: 'output', schema: format.schema } };
  const tuned = tuning(body);
  if (tuned) request.tuning = tuned;
  return request;
}

/**
 * The ChatRequest of a Messages call: `convertMessagesRequest` plus the ask to relay the upstream's answer
 * as it came when the backend speaks the Messages API too (count_tokens answers nothing to relay).
 */
export function convertMessagesCall(
  body: WireCountTokensBody,
  principal: Principal,
  defaultModel: string | undefined,
): ChatRequest {
  const request = convertMessagesRequest(body, principal, defaultModel);
  request.relay = { wire: 'anthropic-messages' };
  return request;
}

/** `x-gateway-dropped-params`: the dropped tuning parameters in Anthropic's field names. */
export function droppedParamsHeader(dropped: readonly TuningParam[] | undefined): string | undefined {
  if (!dropped || dropped.length === 0) return undefined;
  return [...new Set(dropped.map((param) => tuningFields[param] ?? param))].join(', ');
}
