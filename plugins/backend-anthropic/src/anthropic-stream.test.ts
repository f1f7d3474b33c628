import type { ChatStreamPart } from '@llm-gateway/spec';
import { type AnthropicFixtureName, anthropicFixture, sseEvents } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import {
  finishOfAnthropicReading,
  partsOfAnthropicEvent,
  startAnthropicReading,
} from './anthropic-stream.js';

function read(name: AnthropicFixtureName) {
  const reading = startAnthropicReading();
  const parts: ChatStreamPart[] = [];
  for (const { data } of sseEvents(anthropicFixture(name)))
    parts.push(...partsOfAnthropicEvent(data as { type: string }, reading));
  return { parts, reading };
}

describe('partsOfAnthropicEvent on the docs recorded streams', () => {
  it('text: metadata, one text delta per text_delta, usage from message_start and message_delta', () => {
    const { parts, reading } = read('anthropic-stream-text.txt');
    expect(parts).toEqual([
      { type: 'response-metadata', id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY' },
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: '!' },
    ]);
    expect(reading.finished).toBe(true);
    expect(finishOfAnthropicReading(reading)).toEqual({
      finishReason: 'stop',
      usage: { promptTokens: 25, completionTokens: 15, totalTokens: 40 },
    });
  });

  it('tool use: the call opens with id and name, then its arguments, skipping the empty first piece', () => {
    const { parts, reading } = read('anthropic-stream-tool-use.txt');
    const calls = parts.filter((p) => p.type === 'tool-call-delta');
    expect(calls[0]).toEqual({
      type: 'tool-call-delta',
      index: 0,
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      name: 'get_weather',
    });
    expect(calls).toHaveLength(9);
    expect(finishOfAnthropicReading(reading).finishReason).toBe('tool_calls');
  });

  it('thinking: reasoning deltas, nothing for the signature; no usage reported means none made up', () => {
    const { parts, reading } = read('anthropic-stream-thinking.txt');
    expect(finishOfAnthropicReading(reading)).toEqual({ finishReason: 'stop' });
    expect(parts.map((p) => p.type)).toEqual([
      'response-metadata',
      'reasoning-delta',
      'reasoning-delta',
      'text-delta',
    ]);
  });

  it('a stream cut before message_stop is not finished', () => {
    const { reading } = read('anthropic-stream-overloaded.txt');
    expect(reading.finished).toBe(false);
  });

  it('a response-format tool streams its input as text', () => {
    const reading = startAnthropicReading();
    const events = [
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 't', name: 'json_response', input: {} },
      },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 3 },
      },
    ];
    const parts = events.flatMap((event) => [...partsOfAnthropicEvent(event, reading)]);
    expect(parts).toEqual([
      { type: 'text-delta', text: '{"a":' },
      { type: 'text-delta', text: '1}' },
    ]);
    expect(finishOfAnthropicReading(reading).finishReason).toBe('stop');
  });

  it('the finish names the stop sequence that ended the stream', () => {
    const reading = startAnthropicReading();
    const event = {
      type: 'message_delta',
      delta: { stop_reason: 'stop_sequence', stop_sequence: 'END' },
      usage: { output_tokens: 2 },
    };
    [...partsOfAnthropicEvent(event, reading)];
    expect(finishOfAnthropicReading(reading)).toMatchObject({ finishReason: 'stop', stopSequence: 'END' });
  });
});
