import type { ContentPart, Message, ToolCall } from '@llm-gateway/spec';
import { invalid } from '../translate-request.js';
import type { WireInputContent, WireInputItem } from './responses-wire.js';

const imageDetails = new Set(['auto', 'low', 'high']);
const messageRoles = new Set(['user', 'system', 'developer', 'assistant']);

/** Items that only record what the model did on OpenAI's side: nothing a chat backend can replay. */
const skippedItems = new Set(['reasoning']);

function text(value: unknown, param: string): string {
  if (typeof value !== 'string')
    throw invalid(`Invalid '${param}': expected a string.`, param, 'invalid_type');
  return value;
}

/** One content part of a message; refusals come back as undefined and are read by the caller. */
function contentPart(part: WireInputContent, param: string): ContentPart | undefined {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: text(part.text, `${param}.text`) };
    case 'input_image': {
      if (typeof part.image_url !== 'string') {
        throw invalid(
          `'${param}': only images given by 'image_url' (https or data URL) are supported; this gateway stores no files.`,
          part.file_id !== undefined ? `${param}.file_id` : `${param}.image_url`,
        );
      }
      const image: ContentPart = { type: 'image', url: part.image_url };
      if (part.detail !== undefined && part.detail !== null) {
        if (!imageDetails.has(part.detail as string))
          throw invalid(`Invalid '${param}.detail': expected auto, low or high.`, `${param}.detail`);
        image.detail = part.detail as 'auto' | 'low' | 'high';
      }
      return image;
    }
    case 'refusal':
      text(part.refusal, `${param}.refusal`);
      return undefined;
    default:
      throw invalid(
        `'${param}.type' ${JSON.stringify(part.type)} is not supported by this gateway (input_text, input_image, output_text, refusal are).`,
        `${param}.type`,
      );
  }
}

function message(item: WireInputItem, param: string): Message {
  const role = item.role;
  if (typeof role !== 'string' || !messageRoles.has(role)) {
    throw invalid(`Invalid '${param}.role': expected user, system, developer or assistant.`, `${param}.role`);
  }
  const normalizedRole = role === 'developer' ? 'system' : (role as Message['role']);
  const content = item.content;
  if (typeof content === 'string') return { role: normalizedRole, content };
  if (!Array.isArray(content))
    throw invalid(`Invalid '${param}.content': expected a string or an array.`, `${param}.content`);
  const parts: ContentPart[] = [];
  let refusal = '';
  content.forEach((raw, at) => {
    const part = contentPart(raw, `${param}.content[${at}]`);
    if (part) parts.push(part);
    else refusal += (raw as { refusal: string }).refusal;
  });
  const joined = parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
  const out: Message = { role: normalizedRole, content: joined };
  if (parts.some((part) => part.type !== 'text')) out.parts = parts;
  if (refusal) out.refusal = refusal;
  return out;
}

/** What a tool answered: a string, or text parts joined (a chat tool turn carries text only). */
function toolOutput(output: unknown, param: string): string {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) throw invalid(`Invalid '${param}': expected a string or an array.`, param);
  return output
    .map((part: WireInputContent, at) => {
      if (part.type !== 'input_text')
        throw invalid(
          `'${param}[${at}].type': only input_text tool outputs are supported.`,
          `${param}[${at}].type`,
        );
      return text(part.text, `${param}[${at}].text`);
    })
    .join('');
}

/** Calls go on the assistant turn right before them, so parallel calls form one turn as chat backends expect. */
function addCall(messages: Message[], call: ToolCall): void {
  const last = messages.at(-1);
  if (last?.role === 'assistant') {
    last.toolCalls = [...(last.toolCalls ?? []), call];
    return;
  }
  messages.push({ role: 'assistant', content: '', toolCalls: [call] });
}

/** The arguments text of a custom tool call: the one string argument `input` it is mapped to. */
export function customToolArguments(input: string): string {
  return JSON.stringify({ input });
}

/** Responses `input` (a string or items, in order) as normalized chat messages. */
export function convertResponsesInput(input: string | readonly WireInputItem[], at = 'input'): Message[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  const messages: Message[] = [];
  input.forEach((item, index) => {
    const param = `${at}[${index}]`;
    const type = item.type ?? 'message';
    switch (type) {
      case 'message':
        messages.push(message(item, param));
        return;
      case 'function_call':
        addCall(messages, {
          id: text(item.call_id, `${param}.call_id`),
          type: 'function',
          function: {
            name: text(item.name, `${param}.name`),
            arguments: text(item.arguments, `${param}.arguments`),
          },
        });
        return;
      case 'custom_tool_call':
        addCall(messages, {
          id: text(item.call_id, `${param}.call_id`),
          type: 'function',
          function: {
            name: text(item.name, `${param}.name`),
            arguments: customToolArguments(text(item.input, `${param}.input`)),
          },
        });
        return;
      case 'function_call_output':
      case 'custom_tool_call_output':
        messages.push({
          role: 'tool',
          toolCallId: text(item.call_id, `${param}.call_id`),
          content: toolOutput(item.output, `${param}.output`),
        });
        return;
      default:
        if (skippedItems.has(type)) return;
        throw invalid(
          `'${param}.type' ${JSON.stringify(type)} is not supported by this gateway: it serves message, function_call, function_call_output, custom_tool_call and custom_tool_call_output items.`,
          `${param}.type`,
        );
    }
  });
  return messages;
}
