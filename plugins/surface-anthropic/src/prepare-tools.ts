import type { ChatRequest, ToolDefinition } from '@llm-gateway/spec';
import { invalid } from './invalid.js';
import type { WireTool, WireToolChoice } from './wire.js';

/** Client tools as functions; Anthropic's server tools (web search, code execution) only Anthropic runs. */
function tool(wire: WireTool, index: number): ToolDefinition {
  if (wire.type !== undefined && wire.type !== 'custom') {
    throw invalid(`tools.${index}.type`, `server tool '${wire.type}' is not supported by this gateway`);
  }
  if (typeof wire.input_schema !== 'object' || wire.input_schema === null) {
    throw invalid(`tools.${index}.input_schema`, 'Field required');
  }
  const fn: ToolDefinition['function'] = { name: wire.name, parameters: wire.input_schema };
  if (wire.description !== undefined) fn.description = wire.description;
  return { type: 'function', function: fn };
}

/** `tools` and `tool_choice` (auto, any, tool, none; disable_parallel_tool_use) as normalized fields. */
export function prepareTools(
  tools: readonly WireTool[] | undefined,
  choice: WireToolChoice | undefined,
): Pick<ChatRequest, 'tools' | 'toolChoice' | 'parallelToolCalls'> {
  const out: Pick<ChatRequest, 'tools' | 'toolChoice' | 'parallelToolCalls'> = {};
  if (tools && tools.length > 0) out.tools = tools.map(tool);
  if (!choice) return out;
  switch (choice.type) {
    case 'auto':
      out.toolChoice = 'auto';
      break;
    case 'any':
      out.toolChoice = 'required';
      break;
    case 'tool':
      if (typeof choice.name !== 'string' || choice.name === '')
        throw invalid('tool_choice.name', 'Field required');
      out.toolChoice = { type: 'function', function: { name: choice.name } };
      break;
    case 'none':
      out.toolChoice = 'none';
      return out;
  }
  if (choice.disable_parallel_tool_use === true) out.parallelToolCalls = false;
  return out;
}
