import { isGatewayError } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { convertResponsesInput } from './convert-responses-input.js';

function paramOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isGatewayError(error)) return error.param;
    throw error;
  }
  throw new Error('expected a 400');
}

describe('convertResponsesInput', () => {
  it('a string is one user message', () => {
    expect(convertResponsesInput('Hi')).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  it('messages with input_text and input_image parts keep their parts; developer becomes system', () => {
    const messages = convertResponsesInput([
      { role: 'developer', content: 'Be brief.' },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is this? ' },
          { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
        ],
      },
    ]);
    expect(messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: 'What is this? ',
        parts: [
          { type: 'text', text: 'What is this? ' },
          { type: 'image', url: 'https://example.com/a.png', detail: 'low' },
        ],
      },
    ]);
  });

  it('parallel function_call items form one assistant turn, each output a tool turn', () => {
    const messages = convertResponsesInput([
      { role: 'user', content: 'weather in Paris and Rome?' },
      { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call', call_id: 'call_2', name: 'weather', arguments: '{"city":"Rome"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
      { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'rain' }] },
    ]);
    expect(messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', toolCallId: 'call_1', content: 'sunny' },
      { role: 'tool', toolCallId: 'call_2', content: 'rain' },
    ]);
  });

  it('an earlier output (assistant output_text, custom_tool_call, reasoning) replays as history', () => {
    const messages = convertResponsesInput([
      { type: 'reasoning', id: 'rs_1', summary: [] },
      {
        type: 'message',
        id: 'msg_1',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Let me patch it.', annotations: [] }],
      },
      { type: 'custom_tool_call', call_id: 'call_9', name: 'apply_patch', input: '*** Begin Patch' },
      { type: 'custom_tool_call_output', call_id: 'call_9', output: 'done' },
    ]);
    expect(messages).toEqual([
      {
        role: 'assistant',
        content: 'Let me patch it.',
        toolCalls: [
          {
            id: 'call_9',
            type: 'function',
            function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' },
          },
        ],
      },
      { role: 'tool', toolCallId: 'call_9', content: 'done' },
    ]);
  });

  it('refuses input_file parts, file_id images and built-in tool call items, naming the parameter', () => {
    expect(
      paramOf(() =>
        convertResponsesInput([{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }]),
      ),
    ).toBe('input[0].content[0].type');
    expect(
      paramOf(() =>
        convertResponsesInput([{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }]),
      ),
    ).toBe('input[0].content[0].file_id');
    expect(paramOf(() => convertResponsesInput([{ type: 'web_search_call', id: 'ws_1' }]))).toBe(
      'input[0].type',
    );
    expect(
      paramOf(() => convertResponsesInput([{ type: 'function_call', name: 'x', arguments: '{}' }])),
    ).toBe('input[0].call_id');
  });
});
