import type { ChatResult } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { completedResponse, customToolInput, responseObject } from './map-responses-output.js';

const base = responseObject(
  { input: 'Hi', metadata: { a: 'b' }, max_output_tokens: 10 },
  { id: 'resp_1', createdAt: 1, model: 'gpt-4o-mini', status: 'in_progress', store: true, background: false },
);

const result = (fields: Partial<ChatResult>): ChatResult => ({
  id: 'x',
  model: 'gpt-4o-mini',
  created: 1,
  text: '',
  finishReason: 'stop',
  usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12 },
  ...fields,
});

describe('completedResponse', () => {
  it('a text answer is one message item with output_text, usage in Responses names', () => {
    const response = completedResponse(base, result({ text: 'Hello' }), result({}).usage, new Set());
    expect(response).toMatchObject({
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      metadata: { a: 'b' },
      max_output_tokens: 10,
      output: [
        {
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Hello', annotations: [] }],
        },
      ],
      usage: {
        input_tokens: 5,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 7,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 12,
      },
    });
    expect((response.output[0] as { id: string }).id).toMatch(/^msg_/);
  });

  it('tool calls become function_call items, custom ones custom_tool_call items with their input', () => {
    const response = completedResponse(
      base,
      result({
        finishReason: 'tool_calls',
        toolCalls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          {
            id: 'call_2',
            type: 'function',
            function: { name: 'apply_patch', arguments: '{"input":"diff"}' },
          },
        ],
      }),
      undefined,
      new Set(['apply_patch']),
    );
    expect(response.output).toMatchObject([
      { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
      { type: 'custom_tool_call', call_id: 'call_2', name: 'apply_patch', input: 'diff' },
    ]);
  });

  it('an answer cut by the token limit is incomplete with its reason; reasoning comes first', () => {
    const response = completedResponse(
      base,
      result({ text: 'Hel', finishReason: 'length', reasoning: 'thinking' }),
      undefined,
      new Set(),
    );
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
  });

  it('a custom tool input the model did not wrap in JSON is kept as written', () => {
    expect(customToolInput('not json')).toBe('not json');
    expect(customToolInput('{"other":1}')).toBe('{"other":1}');
  });
});
