/** Tools, tool_choice and parallel_tool_calls as Anthropic's `tools` and `tool_choice` (the response-format tool included). */
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatRequest, ToolDefinition } from '@llm-gateway/spec';
import { responseFormatTool } from './anthropic-response-format.js';

type ToolChoice = Anthropic.Messages.ToolChoice;

export interface AnthropicTools {
  tools?: Anthropic.Messages.Tool[];
  tool_choice?: ToolChoice;
}

function toAnthropicTool({ function: fn }: ToolDefinition): Anthropic.Messages.Tool {
  const tool: Anthropic.Messages.Tool = {
    name: fn.name,
    input_schema: { type: 'object', ...fn.parameters },
  };
  if (fn.description !== undefined) tool.description = fn.description;
  if (fn.strict) tool.strict = true;
  return tool;
}

function toolChoice(request: ChatRequest, hasFormatTool: boolean): ToolChoice | undefined {
  const choice = request.toolChoice;
  let mapped: ToolChoice | undefined;
  if (choice === 'none') mapped = { type: 'none' };
  else if (choice === 'required') mapped = { type: 'any' };
  else if (typeof choice === 'object') mapped = { type: 'tool', name: choice.function.name };
  else if (choice === 'auto') mapped = { type: 'auto' };
  // With a response format the model must answer through a tool: one of the caller's or the format's.
  if (hasFormatTool && (mapped === undefined || mapped.type === 'auto')) mapped = { type: 'any' };
  if (request.parallelToolCalls === false) {
    mapped ??= { type: 'auto' };
    if (mapped.type !== 'none') mapped.disable_parallel_tool_use = true;
  }
  return mapped;
}

export function prepareAnthropicTools(backend: string, request: ChatRequest): AnthropicTools {
  const formatTool = responseFormatTool(backend, request);
  const offered = request.toolChoice === 'none' ? [] : (request.tools ?? []).map(toAnthropicTool);
  if (formatTool && offered.length === 0) {
    return { tools: [formatTool], tool_choice: { type: 'tool', name: formatTool.name } };
  }
  const tools = formatTool ? [...offered, formatTool] : (request.tools ?? []).map(toAnthropicTool);
  const choice = toolChoice(request, formatTool !== undefined);
  const prepared: AnthropicTools = {};
  if (tools.length > 0) prepared.tools = tools;
  if (choice && tools.length > 0) prepared.tool_choice = choice;
  return prepared;
}
