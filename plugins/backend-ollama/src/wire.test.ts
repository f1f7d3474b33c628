import { describe, expect, it } from 'vitest';
import { fromOllamaAnswer, mapOllamaDoneReason, mapOllamaUsage, toOllamaRequest } from './wire.js';

describe('toOllamaRequest', () => {
  it('puts sampling parameters under options', () => {
    expect(
      toOllamaRequest({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'hi', name: 'ann' }],
        maxTokens: 12,
        temperature: 0.3,
        topP: 0.8,
        stop: ['\n'],
        seed: 4,
        user: 'ignored',
      }),
    ).toEqual({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      options: { num_predict: 12, temperature: 0.3, top_p: 0.8, stop: ['\n'], seed: 4 },
    });
  });

  it('passes extra through, merging extra.options under the mapped ones', () => {
    const body = toOllamaRequest({
      model: 'm',
      messages: [],
      maxTokens: 5,
      extra: { keep_alive: '5m', stream: true, options: { num_ctx: 4096, num_predict: 99 } },
    });
    expect(body).toEqual({
      model: 'm',
      messages: [],
      keep_alive: '5m',
      options: { num_ctx: 4096, num_predict: 5 },
    });
  });
});

describe('answers', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['load', 'other'],
    [undefined, 'other'],
  ] as const)('done_reason %s -> %s', (wire, normalized) => {
    expect(mapOllamaDoneReason(wire)).toBe(normalized);
  });

  it('reads usage from the eval counts', () => {
    expect(mapOllamaUsage({ prompt_eval_count: 4, eval_count: 6 })).toEqual({
      promptTokens: 4,
      completionTokens: 6,
      totalTokens: 10,
    });
    expect(mapOllamaUsage({})).toBeUndefined();
  });

  it('maps a full answer', () => {
    expect(
      fromOllamaAnswer(
        {
          model: 'llama3.2',
          created_at: '2025-01-01T00:00:10Z',
          message: { content: 'hello' },
          done: true,
          done_reason: 'stop',
          prompt_eval_count: 1,
          eval_count: 2,
        },
        'asked',
        'id1',
      ),
    ).toEqual({
      id: 'id1',
      model: 'llama3.2',
      created: Date.parse('2025-01-01T00:00:10Z') / 1000,
      text: 'hello',
      finishReason: 'stop',
      usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
    });
  });
});
