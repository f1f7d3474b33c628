import { describe, expect, it } from 'vitest';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';

describe('convertToAnthropicMessages', () => {
  it('joins every system message into system, wherever it stands', () => {
    expect(
      convertToAnthropicMessages('claude', [
        { role: 'system', content: 'One.' },
        { role: 'user', content: 'Hi' },
        { role: 'system', content: 'Two.' },
      ]),
    ).toEqual({ system: 'One.\n\nTwo.', messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('carries tool calls as tool_use blocks and answers as tool_result blocks in one user turn', () => {
    const prompt = convertToAnthropicMessages('claude', [
      { role: 'user', content: 'Weather in Lisbon and Porto?' },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [
          {
            id: 'toolu_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' },
          },
          {
            id: 'toolu_2',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Porto"}' },
          },
        ],
      },
      { role: 'tool', content: '18C', toolCallId: 'toolu_1' },
      { role: 'tool', content: '16C', toolCallId: 'toolu_2' },
    ]);
    expect(prompt.messages).toEqual([
      { role: 'user', content: 'Weather in Lisbon and Porto?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Lisbon' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Porto' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '16C' },
        ],
      },
    ]);
  });

  it('sends multimodal user content as text and image blocks', () => {
    const prompt = convertToAnthropicMessages('claude', [
      {
        role: 'user',
        content: 'Look',
        parts: [
          { type: 'text', text: 'Look' },
          { type: 'image', url: 'http://example.com/x.gif' },
        ],
      },
    ]);
    expect(prompt.messages[0]?.content).toEqual([
      { type: 'text', text: 'Look' },
      { type: 'image', source: { type: 'url', url: 'http://example.com/x.gif' } },
    ]);
  });

  it('refuses tool call arguments that are not a JSON object, naming them', () => {
    expect(() =>
      convertToAnthropicMessages('claude', [
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '[1,2]' } }],
        },
      ]),
    ).toThrow(
      expect.objectContaining({ status: 400, param: 'messages[0].tool_calls[0].function.arguments' }),
    );
  });
});
