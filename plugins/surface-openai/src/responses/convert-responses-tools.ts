import type { ToolChoice, ToolDefinition } from '@llm-gateway/spec';
import { invalid } from '../translate-request.js';
import type { WireResponsesTool, WireResponsesToolChoice } from './responses-wire.js';

/** Tools whose answers the chat backends cannot produce: refused, never silently ignored. */
export function builtInToolError(type: string, param: string) {
  return invalid(
    `Tool type '${type}' is not supported by this gateway: only 'function' and 'custom' tools are served.`,
    param,
    'unsupported_parameter',
  );
}

/** The one string argument a free-form custom tool is given on a backend that has no custom tools. */
const customToolParameters = {
  type: 'object',
  properties: { input: { type: 'string', description: 'The free-form input of the tool call.' } },
  required: ['input'],
  additionalProperties: false,
};

function name(tool: WireResponsesTool, param: string): string {
  if (typeof tool.name !== 'string' || tool.name === '')
    throw invalid(
      `Missing required parameter: '${param}.name'.`,
      `${param}.name`,
      'missing_required_parameter',
    );
  return tool.name;
}

/** A custom tool's grammar cannot be enforced by a chat backend; the model is told it instead. */
function customDescription(tool: WireResponsesTool): string | undefined {
  const format = tool.format;
  const base = tool.description ?? undefined;
  if (!format || format.type !== 'grammar' || typeof format.definition !== 'string') return base;
  const grammar = `The input must follow this ${format.syntax ?? ''} grammar:\n${format.definition}`;
  return base ? `${base}\n\n${grammar}` : grammar;
}

export interface ConvertedTools {
  tools: ToolDefinition[];
  /** Names of the tools that were `custom` on the wire: their calls come back as `custom_tool_call` items. */
  customNames: Set<string>;
}

/** Responses tools (function and custom) as chat function tools; any other type is a 400 naming it. */
export function convertResponsesTools(tools: readonly WireResponsesTool[]): ConvertedTools {
  const customNames = new Set<string>();
  const converted = tools.map((tool, index): ToolDefinition => {
    const param = `tools[${index}]`;
    if (tool.type === 'function') {
      const fn: ToolDefinition['function'] = { name: name(tool, param) };
      if (typeof tool.description === 'string') fn.description = tool.description;
      if (tool.parameters != null) {
        if (typeof tool.parameters !== 'object' || Array.isArray(tool.parameters))
          throw invalid(
            `Invalid '${param}.parameters': expected a JSON schema object.`,
            `${param}.parameters`,
            'invalid_type',
          );
        fn.parameters = tool.parameters;
      }
      if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
      return { type: 'function', function: fn };
    }
    if (tool.type === 'custom') {
      const fn: ToolDefinition['function'] = { name: name(tool, param), parameters: customToolParameters };
      const description = customDescription(tool);
      if (description !== undefined) fn.description = description;
      customNames.add(fn.name);
      return { type: 'function', function: fn };
    }
    throw builtInToolError(String(tool.type), `${param}.type`);
  });
  return { tools: converted, customNames };
}

/** `tool_choice` as the chat wire's; a built-in or allowed-tools choice is a 400. */
export function convertResponsesToolChoice(choice: WireResponsesToolChoice): ToolChoice {
  if (typeof choice === 'string') return choice;
  if ((choice.type === 'function' || choice.type === 'custom') && typeof choice.name === 'string')
    return { type: 'function', function: { name: choice.name } };
  throw invalid(
    `tool_choice of type '${choice.type}' is not supported by this gateway (none, auto, required, function, custom are).`,
    'tool_choice',
    'unsupported_parameter',
  );
}
