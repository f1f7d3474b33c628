import type Anthropic from '@anthropic-ai/sdk';
import { anthropicFixture } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { fromAnthropicMessage } from './from-anthropic-message.js';

function message(extra: Record<string, unknown>): Anthropic.Messages.Message {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 3, output_tokens: 4 },
    ...extra,
  } as unknown as Anthropic.Messages.Message;
}

describe('fromAnthropicMessage', () => {
  it('reads the documented Message', () => {
    const documented = JSON.parse(anthropicFixture('anthropic-message.json')) as Anthropic.Messages.Message;
    expect(fromAnthropicMessage(documented)).toMatchObject({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      model: 'claude-opus-4-6',
      text: 'Hi! My name is Claude.',
      finishReason: 'stop',
      usage: { promptTokens: 2095, completionTokens: 503, totalTokens: 2598 },
    });
  });

  it('returns tool_use blocks as tool calls with JSON arguments, thinking as reasoning', () => {
    const result = fromAnthropicMessage(
      message({
        stop_reason: 'tool_use',
        content: [
          { type: 'thinking', thinking: 'Lisbon, so', signature: 'sig' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Lisbon' } },
        ],
      }),
    );
    expect(result).toMatchObject({ text: 'Checking.', reasoning: 'Lisbon, so', finishReason: 'tool_calls' });
    expect(result.toolCalls).toEqual([
      { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } },
    ]);
  });

  it('returns the response-format tool input as the text, finished with stop', () => {
    const result = fromAnthropicMessage(
      message({
        stop_reason: 'tool_use',
        content: [{ type: 'tool_use', id: 'toolu_2', name: 'json_response', input: { answer: 42 } }],
      }),
    );
    expect(result).toMatchObject({ text: '{"answer":42}', finishReason: 'stop' });
    expect(result.toolCalls).toBeUndefined();
  });

  it('names the stop sequence that ended the answer', () => {
    const result = fromAnthropicMessage(
      message({ stop_reason: 'stop_sequence', stop_sequence: 'END', content: [{ type: 'text', text: 'a' }] }),
    );
    expect(result).toMatchObject({ finishReason: 'stop', stopSequence: 'END' });
    expect(fromAnthropicMessage(message({})).stopSequence).toBeUndefined();
  });
});
