import type { ChatRequest } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { prepareAnthropicTools } from './anthropic-prepare-tools.js';

const tools: NonNullable<ChatRequest['tools']> = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
      strict: true,
    },
  },
];
const request = (extra: Partial<ChatRequest>): ChatRequest => ({ model: 'claude', messages: [], ...extra });

describe('prepareAnthropicTools', () => {
  it('turns function tools into Anthropic tools with input_schema', () => {
    expect(prepareAnthropicTools('claude', request({ tools }))).toEqual({
      tools: [
        {
          name: 'get_weather',
          description: 'Weather in a city',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
          strict: true,
        },
      ],
    });
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      { type: 'tool', name: 'get_weather' },
    ],
  ] as const)('maps tool_choice %j to %j', (toolChoice, expected) => {
    expect(prepareAnthropicTools('claude', request({ tools, toolChoice })).tool_choice).toEqual(expected);
  });

  it('maps parallel_tool_calls: false to disable_parallel_tool_use', () => {
    expect(prepareAnthropicTools('claude', request({ tools, parallelToolCalls: false })).tool_choice).toEqual(
      {
        type: 'auto',
        disable_parallel_tool_use: true,
      },
    );
  });

  it('forces the response-format tool when no other tool is offered', () => {
    expect(prepareAnthropicTools('claude', request({ responseFormat: { type: 'json_object' } }))).toEqual({
      tools: [
        {
          name: 'json_response',
          description: 'Give your answer as a JSON object.',
          input_schema: { type: 'object' },
        },
      ],
      tool_choice: { type: 'tool', name: 'json_response' },
    });
  });

  it('offers the caller tools beside the response-format tool and makes the model use one of them', () => {
    const prepared = prepareAnthropicTools(
      'claude',
      request({ tools, responseFormat: { type: 'json_object' } }),
    );
    expect(prepared.tools?.map((t) => t.name)).toEqual(['get_weather', 'json_response']);
    expect(prepared.tool_choice).toEqual({ type: 'any' });
  });

  it('refuses a json_schema whose root is not an object, naming response_format', () => {
    const responseFormat: ChatRequest['responseFormat'] = {
      type: 'json_schema',
      jsonSchema: { name: 'list', schema: { type: 'array', items: { type: 'string' } } },
    };
    expect(() => prepareAnthropicTools('claude', request({ responseFormat }))).toThrow(
      expect.objectContaining({ status: 400, param: 'response_format' }),
    );
  });
});
