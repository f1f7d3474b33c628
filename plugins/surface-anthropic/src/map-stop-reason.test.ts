import { describe, expect, it } from 'vitest';
import { mapStopReason } from './map-stop-reason.js';

describe('mapStopReason', () => {
  it.each([
    [{ finishReason: 'stop' as const }, 'end_turn'],
    [{ finishReason: 'length' as const }, 'max_tokens'],
    [{ finishReason: 'tool_calls' as const }, 'tool_use'],
    [{ finishReason: 'stop' as const, calledTools: true }, 'tool_use'],
    [{ finishReason: 'content_filter' as const }, 'refusal'],
    [{ finishReason: 'other' as const }, 'end_turn'],
    [{ finishReason: 'error' as const }, 'end_turn'],
  ])('%j -> %s', (facts, reason) => {
    expect(mapStopReason(facts)).toEqual({ stop_reason: reason, stop_sequence: null });
  });

  it('reports the stop sequence the upstream named', () => {
    expect(mapStopReason({ finishReason: 'stop', stopSequence: '###' })).toEqual({
      stop_reason: 'stop_sequence',
      stop_sequence: '###',
    });
  });
});
