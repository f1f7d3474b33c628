import type { CallMeta, ChatResult } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { messageBody, nativeMessageBody, toolInput } from './messages-response.js';

const meta: CallMeta = {
  requestedModel: 'asked',
  backend: 'b',
  model: 'upstream',
  cached: false,
  retries: 0,
  fallback: false,
};
const usage = { promptTokens: 2, completionTokens: 3, totalTokens: 5 };

describe('messageBody', () => {
  it('orders thinking, text and tool_use blocks; a fresh msg_ id replaces a foreign one', () => {
    const result: ChatResult = {
      id: 'chatcmpl-1',
      model: 'upstream',
      created: 0,
      text: 'Checking.',
      reasoning: 'They want weather.',
      finishReason: 'tool_calls',
      toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      usage,
    };
    const body = messageBody(result, meta);
    expect(body).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'asked',
      content: [
        { type: 'thinking', thinking: 'They want weather.', signature: '' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 2, output_tokens: 3 },
    });
    expect(body.id).toMatch(/^msg_[0-9a-f]{24}$/);
  });

  it('says a refusal as text with stop_reason refusal', () => {
    const result: ChatResult = {
      id: 'x',
      model: 'm',
      created: 0,
      text: '',
      refusal: 'No.',
      finishReason: 'stop',
      usage,
    };
    expect(messageBody(result, meta)).toMatchObject({
      content: [{ type: 'text', text: 'No.' }],
      stop_reason: 'refusal',
    });
  });

  it('keeps a native msg_ id unless the answer came from the cache', () => {
    expect(nativeMessageBody({ id: 'msg_1', model: 'claude' }, meta)).toEqual({
      id: 'msg_1',
      model: 'asked',
    });
    expect(nativeMessageBody({ id: 'msg_1' }, { ...meta, cached: true }).id).not.toBe('msg_1');
  });
});

describe('toolInput', () => {
  it('parses the JSON object, keeps other text under _raw', () => {
    expect(toolInput('')).toEqual({});
    expect(toolInput('{"a":1}')).toEqual({ a: 1 });
    expect(toolInput('[1]')).toEqual({ _raw: '[1]' });
    expect(toolInput('{broken')).toEqual({ _raw: '{broken' });
  });
});
