/**
 * OpenAI's json_object / json_schema response formats on Anthropic: a tool the model is made to call, whose
 * input is the JSON answer (Anthropic has no JSON mode; a forced tool works on every Claude model with tools).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { type ChatRequest, GatewayError } from '@llm-gateway/spec';

/** The forced tool's name; a `tool_use` of it is the answer's text, never a tool call. */
export const responseFormatToolName = 'json_response';

/** The tool that carries the requested format, or undefined for text answers. */
export function responseFormatTool(
  backend: string,
  request: ChatRequest,
): Anthropic.Messages.Tool | undefined {
  const format = request.responseFormat;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    return {
      name: responseFormatToolName,
      description: 'Give your answer as a JSON object.',
      input_schema: { type: 'object' },
    };
  }
  const { schema, description, strict } = format.jsonSchema;
  if (schema !== undefined && schema.type !== undefined && schema.type !== 'object') {
    throw new GatewayError(
      'invalid_request',
      `The ${backend} backend takes a json_schema response format whose root is an object.`,
      { param: 'response_format', code: 'unsupported_parameter', backend },
    );
  }
  const tool: Anthropic.Messages.Tool = {
    name: responseFormatToolName,
    description: description ?? `Give your answer as JSON matching the ${format.jsonSchema.name} schema.`,
    input_schema: { type: 'object', ...schema },
  };
  if (strict) tool.strict = true;
  return tool;
}
