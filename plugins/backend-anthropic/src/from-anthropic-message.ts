/** An Anthropic Message as a normalized chat result: text, tool calls, thinking as reasoning, usage, finish reason. */
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatResult, ToolCall } from '@llm-gateway/spec';
import { responseFormatToolName } from './anthropic-response-format.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

export function fromAnthropicMessage(message: Anthropic.Messages.Message): ChatResult {
  let text = '';
  let reasoning: string | undefined;
  let answeredInFormat = false;
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'thinking') reasoning = (reasoning ?? '') + block.thinking;
    else if (block.type === 'tool_use' && block.name === responseFormatToolName) {
      text += JSON.stringify(block.input);
      answeredInFormat = true;
    } else if (block.type === 'tool_use') {
      const args = JSON.stringify(block.input ?? {});
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: args } });
    }
  }
  const finishReason =
    answeredInFormat && toolCalls.length === 0 ? 'stop' : mapAnthropicStopReason(message.stop_reason);
  const result: ChatResult = {
    id: message.id,
    model: message.model,
    text,
    finishReason,
    usage: convertAnthropicUsage(message.usage),
    created: Math.floor(Date.now() / 1000),
  };
  if (toolCalls.length > 0) result.toolCalls = toolCalls;
  if (reasoning !== undefined) result.reasoning = reasoning;
  if (message.stop_reason === 'stop_sequence' && message.stop_sequence)
    result.stopSequence = message.stop_sequence;
  return result;
}
