/** A normalized chat request as the body of Anthropic's `POST /v1/messages`. */
import type Anthropic from '@anthropic-ai/sdk';
import { type ChatFeature, rejectUnsupported } from '@llm-gateway/plugin-kit';
import { type ChatRequest, GatewayError } from '@llm-gateway/spec';
import { prepareAnthropicTools } from './anthropic-prepare-tools.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';

/** SDK 1.x's body type no longer lists the sampling fields; the Messages API still takes them. */
export type AnthropicBody = Anthropic.Messages.MessageCreateParamsNonStreaming & {
  temperature?: number;
  top_p?: number;
};

/** What the Messages API has no counterpart for: a request using one gets a 400 naming the parameter. */
export const anthropicUnsupported: readonly ChatFeature[] = [
  'n',
  'logprobs',
  'logitBias',
  'audioParts',
  'seed',
];

export interface AnthropicRequestSettings {
  /** `max_tokens` when the request sets none (Anthropic requires one). */
  defaultMaxTokens: number;
}

function thinking(backend: string, request: ChatRequest): Anthropic.Messages.ThinkingConfigParam | undefined {
  const budget = request.tuning?.thinkingBudgetTokens;
  if (budget === undefined) return undefined;
  // Anthropic refuses a forced tool with thinking on, and a response format is one.
  const format = request.responseFormat?.type;
  if (format === 'json_object' || format === 'json_schema') {
    throw new GatewayError(
      'invalid_request',
      `The ${backend} backend cannot combine response_format ${format} with a thinking budget.`,
      { param: 'response_format', code: 'unsupported_parameter', backend },
    );
  }
  return { type: 'enabled', budget_tokens: budget };
}

export function convertToAnthropicRequest(
  backend: string,
  request: ChatRequest,
  settings: AnthropicRequestSettings,
): AnthropicBody {
  rejectUnsupported(backend, request, anthropicUnsupported);
  const { system, messages } = convertToAnthropicMessages(backend, request.messages);
  const thinkingConfig = thinking(backend, request);
  // A budget must fit under max_tokens: with none asked for, the budget comes on top of the default.
  const maxTokens =
    request.maxTokens ??
    settings.defaultMaxTokens + (thinkingConfig?.type === 'enabled' ? thinkingConfig.budget_tokens : 0);
  const body: AnthropicBody = { model: request.model, max_tokens: maxTokens, messages };
  if (system !== undefined) body.system = system;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (thinkingConfig) body.thinking = thinkingConfig;
  const serviceTier = request.tuning?.serviceTier;
  if (serviceTier === 'auto' || serviceTier === 'standard_only') body.service_tier = serviceTier;
  Object.assign(body, prepareAnthropicTools(backend, request));
  return body;
}
