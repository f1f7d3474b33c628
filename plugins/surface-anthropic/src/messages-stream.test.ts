import type { CallMeta, ChatStreamPart } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { MessagesStreamEncoder } from './messages-stream.js';

const meta: CallMeta = {
  requestedModel: 'asked',
  backend: 'b',
  model: 'upstream',
  cached: false,
  retries: 0,
  fallback: false,
};

function run(parts: ChatStreamPart[]) {
  const encoder = new MessagesStreamEncoder(meta);
  const events = parts.flatMap((part) => encoder.part(part));
  return [...events, ...encoder.end(undefined)];
}

describe('MessagesStreamEncoder', () => {
  it('opens a block per kind of content, in order, and closes with message_delta and message_stop', () => {
    const events = run([
      { type: 'response-metadata', id: 'chatcmpl-1' },
      { type: 'reasoning-delta', text: 'think' },
      { type: 'text-delta', text: '' },
      { type: 'text-delta', text: 'Hi' },
      { type: 'text-delta', text: ' there' },
      { type: 'tool-call-delta', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool-call-delta', index: 0, arguments: '{"a":' },
      { type: 'tool-call-delta', index: 0, arguments: '1}' },
      { type: 'tool-call-delta', index: 1, id: 'call_2', name: 'g', arguments: '{}' },
      {
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 },
      },
    ]);
    expect(events.map((event) => event.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start = events[0]!.data.message as Record<string, unknown>;
    expect(start).toMatchObject({ model: 'asked', role: 'assistant', content: [], stop_reason: null });
    expect(String(start.id)).toMatch(/^msg_/);
    expect(events[2]!.data).toEqual({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    });
    expect(events[3]!.data.delta).toEqual({ type: 'thinking_delta', thinking: 'think' });
    expect(events[6]!.data).toEqual({
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'text_delta', text: 'Hi' },
    });
    expect(events[9]!.data).toEqual({
      type: 'content_block_start',
      index: 2,
      content_block: { type: 'tool_use', id: 'call_1', name: 'f', input: {} },
    });
    expect(events[11]!.data.delta).toEqual({ type: 'input_json_delta', partial_json: '1}' });
    expect(events[13]!.data.index).toBe(3);
    expect(events.at(-2)!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 3, output_tokens: 4 },
    });
  });

  it('reports the stop sequence on message_delta, and ignores the parts of other choices', () => {
    const events = run([
      { type: 'text-delta', text: 'a', choice: 1 },
      { type: 'text-delta', text: 'b' },
      { type: 'finish', finishReason: 'stop', stopSequence: 'END' },
    ]);
    const deltas = events.filter((event) => event.event === 'content_block_delta');
    expect(deltas.map((event) => event.data.delta)).toEqual([{ type: 'text_delta', text: 'b' }]);
    expect(events.at(-2)!.data.delta).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });

  it('ends a stream that came without a finish part, once', () => {
    const encoder = new MessagesStreamEncoder(meta);
    encoder.part({ type: 'text-delta', text: 'x' });
    const end = encoder.end({ promptTokens: 1, completionTokens: 1, totalTokens: 2 });
    expect(end.map((event) => event.event)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(encoder.end(undefined)).toEqual([]);
    expect(encoder.part({ type: 'text-delta', text: 'late' })).toEqual([]);
  });

  it('relays native events as they came once the first one arrives, and drops the normalized parts', () => {
    const events = run([
      {
        type: 'native-event',
        wire: 'anthropic-messages',
        event: { type: 'message_start', message: { id: 'msg_up', model: 'claude-x', content: [] } },
      },
      { type: 'native-event', wire: 'openai-responses', event: { type: 'response.created' } },
      { type: 'text-delta', text: 'ignored' },
      { type: 'native-event', wire: 'anthropic-messages', event: { type: 'message_stop' } },
      { type: 'finish', finishReason: 'stop' },
    ]);
    expect(events).toEqual([
      {
        event: 'message_start',
        data: { type: 'message_start', message: { id: 'msg_up', model: 'asked', content: [] } },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
  });
});
