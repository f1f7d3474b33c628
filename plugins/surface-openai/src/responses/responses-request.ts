import type {
  ChatRequest,
  Message,
  Principal,
  ResponseFormat,
  TuningParam,
  TuningParams,
} from '@llm-gateway/spec';
import { invalid, sampling } from '../translate-request.js';
import { convertResponsesInput } from './convert-responses-input.js';
import { convertResponsesToolChoice, convertResponsesTools } from './convert-responses-tools.js';
import type { WireResponsesBody, WireTextFormat } from './responses-wire.js';

/** Every top-level field this surface serves; any other one is refused (400), never silently ignored. */
const knownFields = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'text',
  'max_output_tokens',
  'temperature',
  'top_p',
  'metadata',
  'user',
  'safety_identifier',
  'stream',
  'stream_options',
  'store',
  'background',
  'previous_response_id',
  'parallel_tool_calls',
  'reasoning',
  'include',
  'prompt_cache_key',
  'service_tier',
  'truncation',
]);

const efforts = new Set(['minimal', 'low', 'medium', 'high']);
const summaries = new Set(['auto', 'concise', 'detailed']);

/** The Responses name of each tuning parameter, for `x-gateway-dropped-params`. */
export const tuningWireNames: Record<TuningParam, string> = {
  reasoningEffort: 'reasoning.effort',
  reasoningSummary: 'reasoning.summary',
  thinkingBudgetTokens: 'reasoning.effort',
  serviceTier: 'service_tier',
  promptCacheKey: 'prompt_cache_key',
  truncation: 'truncation',
  include: 'include',
  store: 'store',
};

export function refuseUnknownFields(body: WireResponsesBody): void {
  for (const key of Object.keys(body)) {
    if (!knownFields.has(key))
      throw invalid(`Unrecognized request argument supplied: ${key}`, key, 'unknown_parameter');
  }
}

function responseFormat(format: WireTextFormat): ResponseFormat {
  if (format.type !== 'json_schema') return { type: format.type };
  if (typeof format.name !== 'string' || typeof format.schema !== 'object' || format.schema === null)
    throw invalid(
      `'text.format' json_schema needs 'name' and 'schema'.`,
      'text.format',
      'missing_required_parameter',
    );
  const jsonSchema: Extract<ResponseFormat, { type: 'json_schema' }>['jsonSchema'] = {
    name: format.name,
    schema: format.schema,
  };
  if (format.description !== undefined) jsonSchema.description = format.description;
  if (format.strict != null) jsonSchema.strict = format.strict;
  return { type: 'json_schema', jsonSchema };
}

function tuning(body: WireResponsesBody): TuningParams | undefined {
  const out: TuningParams = {};
  const effort = body.reasoning?.effort;
  if (effort != null) {
    if (!efforts.has(effort))
      throw invalid(`Invalid 'reasoning.effort': expected minimal, low, medium or high.`, 'reasoning.effort');
    out.reasoningEffort = effort as TuningParams['reasoningEffort'];
  }
  const summary = body.reasoning?.summary ?? body.reasoning?.generate_summary;
  if (summary != null) {
    if (!summaries.has(summary))
      throw invalid(`Invalid 'reasoning.summary': expected auto, concise or detailed.`, 'reasoning.summary');
    out.reasoningSummary = summary as TuningParams['reasoningSummary'];
  }
  if (body.include != null && body.include.length > 0) out.include = [...body.include];
  // Only an explicit `store` reaches the upstream: the gateway's own default (true) is about its store.
  if (body.store != null) out.store = body.store;
  if (body.prompt_cache_key !== undefined) out.promptCacheKey = body.prompt_cache_key;
  if (body.service_tier != null) out.serviceTier = body.service_tier;
  if (body.truncation != null) out.truncation = body.truncation;
  return Object.keys(out).length > 0 ? out : undefined;
}

export interface ResponsesChat {
  request: ChatRequest;
  /** Tools that were `custom` on the wire. */
  customNames: Set<string>;
  /** Fields the surface itself could not pass on (wire names), for `x-gateway-dropped-params`. */
  dropped: string[];
}

/**
 * A Responses body as a normalized chat request. `history` is the conversation of `previous_response_id`
 * (already messages); `instructions` lead as a system turn and are never carried over to the next response.
 */
export function chatRequestFromResponses(
  body: WireResponsesBody,
  principal: Principal,
  defaultModel: string | undefined,
  history: readonly Message[] = [],
): ResponsesChat {
  refuseUnknownFields(body);
  const user = body.user ?? body.safety_identifier;
  const request: ChatRequest = {
    ...sampling(
      {
        ...(body.model !== undefined ? { model: body.model } : {}),
        max_completion_tokens: body.max_output_tokens ?? null,
        temperature: body.temperature ?? null,
        top_p: body.top_p ?? null,
        ...(user !== undefined ? { user } : {}),
      },
      principal,
      defaultModel,
    ),
    messages: [
      ...(body.instructions ? [{ role: 'system' as const, content: body.instructions }] : []),
      ...history,
      ...convertResponsesInput(body.input ?? []),
    ],
  };
  if (request.messages.length === 0)
    throw invalid(`Missing required parameter: 'input'.`, 'input', 'missing_required_parameter');
  const converted = convertResponsesTools(body.tools ?? []);
  if (converted.tools.length > 0) request.tools = converted.tools;
  if (body.tool_choice != null) request.toolChoice = convertResponsesToolChoice(body.tool_choice);
  if (body.parallel_tool_calls != null) request.parallelToolCalls = body.parallel_tool_calls;
  const format = body.text?.format;
  if (format != null && format.type !== 'text') request.responseFormat = responseFormat(format);
  if (body.metadata != null && Object.keys(body.metadata).length > 0) request.metadata = body.metadata;
  const tuned = tuning(body);
  if (tuned) request.tuning = tuned;
  const dropped = body.text?.verbosity != null ? ['text.verbosity'] : [];
  return { request, customNames: converted.customNames, dropped };
}
