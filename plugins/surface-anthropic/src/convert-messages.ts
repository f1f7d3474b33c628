import type { ContentPart, Message, ToolCall } from '@llm-gateway/spec';
import { convertImageBlock } from './convert-image-block.js';
import { invalid, objectAt, stringAt } from './invalid.js';
import type { WireMessage } from './wire.js';

/** Text of the parts (what token counts and logs read). */
function textOf(parts: readonly ContentPart[]): string {
  return parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** A message from parts: text-only content travels as one string, the way every backend takes it. */
function messageOf(role: Message['role'], parts: ContentPart[]): Message {
  const message: Message = { role, content: textOf(parts) };
  if (parts.some((part) => part.type !== 'text')) message.parts = parts;
  return message;
}

/** `system` (or a system turn's content at `field`): a string or text blocks, as a system message. */
export function convertSystem(system: unknown, field = 'system'): Message[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return system === '' ? [] : [{ role: 'system', content: system }];
  if (!Array.isArray(system)) throw invalid(field, 'Input should be a valid string or list of text blocks');
  const text = system
    .map((item: unknown, at) => {
      const block = objectAt(item, `${field}.${at}`);
      if (block.type !== 'text') throw invalid(`${field}.${at}.type`, "Input should be 'text'");
      return stringAt(block.text, `${field}.${at}.text`);
    })
    .join('\n');
  return text === '' ? [] : [{ role: 'system', content: text }];
}

/** A tool_result's content (a string or text/image blocks) as the tool turn's text; is_error is said in it. */
function toolResult(block: Record<string, unknown>, field: string): Message {
  const toolCallId = stringAt(block.tool_use_id, `${field}.tool_use_id`);
  let text = '';
  if (typeof block.content === 'string') text = block.content;
  else if (Array.isArray(block.content)) {
    text = block.content
      .map((item: unknown, at) => {
        const inner = objectAt(item, `${field}.content.${at}`);
        // Tool turns carry text only on every normalized backend.
        if (inner.type !== 'text') throw invalid(`${field}.content.${at}.type`, "Input should be 'text'");
        return stringAt(inner.text, `${field}.content.${at}.text`);
      })
      .join('');
  } else if (block.content !== undefined && block.content !== null) {
    throw invalid(`${field}.content`, 'Input should be a valid string or list of blocks');
  }
  // Backends without Anthropic's is_error learn of the failure from the text itself.
  if (block.is_error === true) text = `Error: ${text}`;
  return { role: 'tool', content: text, toolCallId };
}

function toolUse(block: Record<string, unknown>, field: string): ToolCall {
  const id = stringAt(block.id, `${field}.id`);
  const name = stringAt(block.name, `${field}.name`);
  const input = block.input === undefined ? {} : objectAt(block.input, `${field}.input`);
  return { id, type: 'function', function: { name, arguments: JSON.stringify(input) } };
}

/** A user turn: tool_result blocks become tool turns (first, as Anthropic orders them), the rest one user turn. */
function userTurn(blocks: unknown[], field: string): Message[] {
  const results: Message[] = [];
  const parts: ContentPart[] = [];
  blocks.forEach((item, at) => {
    const block = objectAt(item, `${field}.${at}`);
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: stringAt(block.text, `${field}.${at}.text`) });
        return;
      case 'image':
        parts.push(convertImageBlock(block, `${field}.${at}`));
        return;
      case 'tool_result':
        results.push(toolResult(block, `${field}.${at}`));
        return;
      default:
        throw invalid(`${field}.${at}.type`, "Input should be 'text', 'image' or 'tool_result'");
    }
  });
  return parts.length > 0 ? [...results, messageOf('user', parts)] : results;
}

/** An assistant turn: its text, and its tool_use blocks as tool calls; thinking blocks stay with Anthropic backends. */
function assistantTurn(blocks: unknown[], field: string): Message[] {
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  blocks.forEach((item, at) => {
    const block = objectAt(item, `${field}.${at}`);
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: stringAt(block.text, `${field}.${at}.text`) });
        return;
      case 'tool_use':
        calls.push(toolUse(block, `${field}.${at}`));
        return;
      case 'thinking':
      case 'redacted_thinking':
        return;
      default:
        throw invalid(`${field}.${at}.type`, "Input should be 'text', 'tool_use' or 'thinking'");
    }
  });
  const message = messageOf('assistant', parts);
  if (calls.length > 0) message.toolCalls = calls;
  return [message];
}

/** Anthropic's `messages` as normalized messages (tool results become `tool` turns). */
export function convertMessages(messages: readonly WireMessage[]): Message[] {
  return messages.flatMap((message, index) => {
    const field = `messages.${index}.content`;
    const { content } = message;
    // Newer SDKs may put system turns among the messages; they read as `system` does.
    if (message.role === 'system') return convertSystem(content, field);
    if (typeof content === 'string') return [{ role: message.role, content }];
    if (!Array.isArray(content)) throw invalid(field, 'Input should be a valid string or list of blocks');
    return message.role === 'assistant' ? assistantTurn(content, field) : userTurn(content, field);
  });
}
