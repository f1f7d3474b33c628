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

describe('toOllamaRequest: tools, format and images', () => {
  const call = { id: 'call_1', type: 'function' as const, function: { name: 'f', arguments: '{"a":1}' } };

  it('maps tools, tool history (tool_name from the call), JSON schema format and data: URL images', () => {
    const body = toOllamaRequest({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: 'see',
          parts: [
            { type: 'text', text: 'see' },
            { type: 'image', url: 'data:image/png;base64,AAAA' },
          ],
        },
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', content: '2', toolCallId: 'call_1' },
      ],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      responseFormat: { type: 'json_schema', jsonSchema: { name: 's', schema: { type: 'object' } } },
    });
    expect(body.messages).toEqual([
      { role: 'user', content: 'see', images: ['AAAA'] },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] },
      { role: 'tool', content: '2', tool_name: 'f' },
    ]);
    expect(body.tools).toEqual([
      { type: 'function', function: { name: 'f', parameters: { type: 'object' } } },
    ]);
    expect(body.format).toEqual({ type: 'object' });
    expect(
      toOllamaRequest({ model: 'm', messages: [], responseFormat: { type: 'json_object' } }).format,
    ).toBe('json');
  });

  it('leaves tools out for tool_choice none, and refuses arguments that are not a JSON object', () => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    expect(toOllamaRequest({ model: 'm', messages: [], tools, toolChoice: 'none' }).tools).toBeUndefined();
    const bad = { ...call, function: { name: 'f', arguments: 'not json' } };
    expect(() =>
      toOllamaRequest({ model: 'm', messages: [{ role: 'assistant', content: '', toolCalls: [bad] }] }),
    ).toThrow(
      expect.objectContaining({ status: 400, param: 'messages[0].tool_calls[0].function.arguments' }),
    );
  });

  it('reads tool calls from an answer, with ids and finish reason tool_calls', () => {
    const result = fromOllamaAnswer(
      {
        message: { content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] },
        done_reason: 'stop',
      },
      'm',
      'id',
    );
    expect(result.finishReason).toBe('tool_calls');
    expect(result.toolCalls).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: 'f', arguments: '{"a":1}' },
      },
    ]);
  });
});
