import { randomBytes } from 'node:crypto';
import type { ChatChoiceContent, FinishReason, ToolCall, Usage } from '@llm-gateway/spec';
import type {
  WireOutputItem,
  WireResponse,
  WireResponseStatus,
  WireResponsesBody,
  WireResponseUsage,
} from './responses-wire.js';

/** An id in OpenAI's style: a type prefix and random hex (`resp_`, `msg_`, `fc_`, `ctc_`, `rs_`). */
export function responsesId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

export function wireResponseUsage(usage: Usage | undefined): WireResponseUsage {
  return {
    input_tokens: usage?.promptTokens ?? 0,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage?.completionTokens ?? 0,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage?.totalTokens ?? 0,
  };
}

/** A finished answer's status: cut short by the token limit or a filter is `incomplete`, as OpenAI reports it. */
export function finishedStatus(reason: FinishReason): Pick<WireResponse, 'status' | 'incomplete_details'> {
  if (reason === 'length')
    return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (reason === 'content_filter')
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** The text a custom tool call carries: its one `input` argument (the raw arguments if the model wrote other JSON). */
export function customToolInput(argumentsText: string): string {
  try {
    const parsed: unknown = JSON.parse(argumentsText);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as { input?: unknown }).input === 'string'
    )
      return (parsed as { input: string }).input;
  } catch {
    // Not JSON: the model wrote the input itself.
  }
  return argumentsText;
}

/** One tool call as a `function_call` item, or a `custom_tool_call` item for a tool that was custom on the wire. */
export function toolCallItem(call: ToolCall, customNames: ReadonlySet<string>): WireOutputItem {
  if (customNames.has(call.function.name)) {
    return {
      type: 'custom_tool_call',
      id: responsesId('ctc'),
      call_id: call.id,
      name: call.function.name,
      input: customToolInput(call.function.arguments),
      status: 'completed',
    };
  }
  return {
    type: 'function_call',
    id: responsesId('fc'),
    call_id: call.id,
    name: call.function.name,
    arguments: call.function.arguments,
    status: 'completed',
  };
}

/** A finished answer as output items: reasoning, then the message (text or refusal), then tool calls. */
export function outputItems(answer: ChatChoiceContent, customNames: ReadonlySet<string>): WireOutputItem[] {
  const items: WireOutputItem[] = [];
  const itemStatus = finishedStatus(answer.finishReason).status === 'incomplete' ? 'incomplete' : 'completed';
  if (answer.reasoning) {
    items.push({
      type: 'reasoning',
      id: responsesId('rs'),
      summary: [],
      content: [{ type: 'reasoning_text', text: answer.reasoning }],
    });
  }
  const calls = answer.toolCalls ?? [];
  if (answer.text !== '' || answer.refusal !== undefined || calls.length === 0) {
    items.push({
      type: 'message',
      id: responsesId('msg'),
      status: itemStatus,
      role: 'assistant',
      content:
        answer.refusal !== undefined && answer.text === ''
          ? [{ type: 'refusal', refusal: answer.refusal }]
          : [{ type: 'output_text', text: answer.text, annotations: [], logprobs: [] }],
    });
  }
  for (const call of calls) items.push(toolCallItem(call, customNames));
  return items;
}

export interface ResponseFacts {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  model: string;
  status: WireResponseStatus;
  store: boolean;
  background: boolean;
}

/** The response object, echoing the request's settings as OpenAI does; output and usage are filled by the caller. */
export function responseObject(body: WireResponsesBody, facts: ResponseFacts): WireResponse {
  return {
    id: facts.id,
    object: 'response',
    created_at: facts.createdAt,
    status: facts.status,
    background: facts.background,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: facts.model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    store: facts.store,
    temperature: body.temperature ?? 1,
    text: { format: body.text?.format ?? { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage: null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

/** A finished response: its output, usage and final status. */
export function completedResponse(
  base: WireResponse,
  answer: ChatChoiceContent,
  usage: Usage | undefined,
  customNames: ReadonlySet<string>,
): WireResponse {
  return {
    ...base,
    ...finishedStatus(answer.finishReason),
    output: outputItems(answer, customNames),
    usage: wireResponseUsage(usage),
  };
}
