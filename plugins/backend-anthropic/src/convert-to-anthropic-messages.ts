/** Normalized messages as Anthropic's: system turns joined into `system`, tool turns as `tool_result` blocks in a user turn. */
import type Anthropic from '@anthropic-ai/sdk';
import { GatewayError, type Message } from '@llm-gateway/spec';
import { toAnthropicImage } from './anthropic-image.js';

type MessageParam = Anthropic.Messages.MessageParam;
type BlockParam = Anthropic.Messages.ContentBlockParam;

export interface AnthropicPrompt {
  system?: string;
  messages: MessageParam[];
}

function userContent(backend: string, message: Message, at: number): MessageParam['content'] {
  if (!message.parts) return message.content;
  return message.parts.map((part, index): BlockParam => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    if (part.type === 'image')
      return toAnthropicImage(backend, part.url, `messages[${at}].content[${index}]`);
    // rejectUnsupported refuses audio before this; kept for a caller that did not.
    throw new GatewayError('invalid_request', `The ${backend} backend does not support audio content.`, {
      param: `messages[${at}].content[${index}]`,
      code: 'unsupported_parameter',
      backend,
    });
  });
}

function toolInput(backend: string, text: string, param: string): Record<string, unknown> {
  try {
    const input: unknown = JSON.parse(text || '{}');
    if (input && typeof input === 'object' && !Array.isArray(input)) return input as Record<string, unknown>;
  } catch {
    // Reported below, as for a non-object.
  }
  throw new GatewayError(
    'invalid_request',
    `Tool call arguments must be a JSON object for the ${backend} backend.`,
    {
      param,
      code: 'invalid_tool_arguments',
      backend,
    },
  );
}

function assistantContent(backend: string, message: Message, at: number): MessageParam['content'] {
  if (!message.toolCalls?.length) return message.content;
  const blocks: BlockParam[] = message.content ? [{ type: 'text', text: message.content }] : [];
  for (const [index, call] of message.toolCalls.entries()) {
    const param = `messages[${at}].tool_calls[${index}].function.arguments`;
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: toolInput(backend, call.function.arguments, param),
    });
  }
  return blocks;
}

/** Every result of one assistant turn's calls goes in the single user turn that follows it. */
function addToolResult(out: MessageParam[], message: Message): void {
  const result: BlockParam = {
    type: 'tool_result',
    tool_use_id: message.toolCallId ?? '',
    content: message.content,
  };
  const previous = out.at(-1);
  if (
    previous?.role === 'user' &&
    Array.isArray(previous.content) &&
    previous.content.at(-1)?.type === 'tool_result'
  )
    previous.content.push(result);
  else out.push({ role: 'user', content: [result] });
}

export function convertToAnthropicMessages(backend: string, messages: readonly Message[]): AnthropicPrompt {
  const system: string[] = [];
  const out: MessageParam[] = [];
  for (const [at, message] of messages.entries()) {
    if (message.role === 'system') {
      system.push(message.content);
    } else if (message.role === 'assistant') {
      out.push({ role: 'assistant', content: assistantContent(backend, message, at) });
    } else if (message.role === 'tool') {
      addToolResult(out, message);
    } else {
      out.push({ role: 'user', content: userContent(backend, message, at) });
    }
  }
  return system.length > 0 ? { system: system.join('\n\n'), messages: out } : { messages: out };
}
