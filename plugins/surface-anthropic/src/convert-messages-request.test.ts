import type { Principal } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { convertMessagesRequest, droppedParamsHeader } from './convert-messages-request.js';
import type { WireMessagesBody } from './wire.js';

const principal: Principal = { id: 'k1', kind: 'api_key', scheme: 'keys' };
const base: WireMessagesBody = { model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };

function convert(body: Partial<WireMessagesBody>, who: Principal = principal) {
  return convertMessagesRequest({ ...base, ...body } as WireMessagesBody, who, 'default-model');
}

describe('convertMessagesRequest', () => {
  it('maps the sampling fields, metadata.user_id, top_k into extra and the body into native', () => {
    const body = {
      ...base,
      system: 'Be brief.',
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
    };
    expect(convertMessagesRequest(body, principal, undefined)).toEqual({
      model: 'm',
      maxTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      stop: ['END'],
      user: 'u-1',
      extra: { top_k: 40 },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      native: { wire: 'anthropic-messages', body },
    });
  });

  it('maps output_config.format (structured output) onto a json_schema response format', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const request = convert({ output_config: { format: { type: 'json_schema', schema } } });
    expect(request.responseFormat).toEqual({ type: 'json_schema', jsonSchema: { name: 'output', schema } });
    expect(convert({}).responseFormat).toBeUndefined();
  });

  it("applies the principal's and the profile's model defaults and the principal's max_tokens limit", () => {
    const limited: Principal = { ...principal, defaults: { model: 'theirs', maxTokensLimit: 10 } };
    expect(convert({ model: undefined }, limited)).toMatchObject({ model: 'theirs', maxTokens: 10 });
    expect(convert({ model: '' }).model).toBe('default-model');
  });

  it('joins system text blocks and refuses other system blocks', () => {
    const system = [
      { type: 'text' as const, text: 'One.' },
      { type: 'text' as const, text: 'Two.' },
    ];
    expect(convert({ system }).messages[0]).toEqual({ role: 'system', content: 'One.\nTwo.' });
    expect(() => convert({ system: [{ type: 'image' }] as never })).toThrow(
      "system.0.type: Input should be 'text'",
    );
  });

  it('reads system turns among the messages as system messages', () => {
    const request = convert({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Rules.' }] },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'Rules.' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('turns tool_use into tool calls and tool_result (string, blocks, is_error) into tool turns before the text', () => {
    const request = convert({
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 's' },
            { type: 'text', text: 'Looking.' },
            { type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 't2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: '18C' }] },
            { type: 'tool_result', tool_use_id: 't2', content: 'clock broke', is_error: true },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: 'Looking.',
        toolCalls: [
          { id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 't2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      { role: 'tool', content: '18C', toolCallId: 't1' },
      { role: 'tool', content: 'Error: clock broke', toolCallId: 't2' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it('maps image blocks to image parts and refuses unsupported sources and blocks with the field', () => {
    const request = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } },
            { type: 'text', text: 'What?' },
          ],
        },
      ],
    });
    expect(request.messages[0]).toEqual({
      role: 'user',
      content: 'What?',
      parts: [
        { type: 'image', url: 'data:image/jpeg;base64,AAAA' },
        { type: 'text', text: 'What?' },
      ],
    });
    const image = (source: unknown) =>
      convert({ messages: [{ role: 'user', content: [{ type: 'image', source }] }] });
    expect(() => image({ type: 'base64', media_type: 'image/tiff', data: 'A' })).toThrow(
      'messages.0.content.0.source.media_type',
    );
    expect(() => image({ type: 'url', url: 'file:///etc/passwd' })).toThrow('http(s) URL');
    expect(() => image({ type: 'file', file_id: 'f' })).toThrow(
      "messages.0.content.0.source.type: Input should be 'base64' or 'url'",
    );
    expect(() => convert({ messages: [{ role: 'user', content: 42 }] })).toThrow('messages.0.content');
  });

  it('maps tools and every tool_choice, and refuses server tools', () => {
    const tools = [{ name: 'f', description: 'd', input_schema: { type: 'object' } }];
    expect(convert({ tools, tool_choice: { type: 'auto' } })).toMatchObject({
      tools: [
        { type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } },
      ],
      toolChoice: 'auto',
    });
    expect(convert({ tools, tool_choice: { type: 'any', disable_parallel_tool_use: true } })).toMatchObject({
      toolChoice: 'required',
      parallelToolCalls: false,
    });
    expect(convert({ tools, tool_choice: { type: 'tool', name: 'f' } }).toolChoice).toEqual({
      type: 'function',
      function: { name: 'f' },
    });
    expect(convert({ tools, tool_choice: { type: 'none' } }).toolChoice).toBe('none');
    expect(() => convert({ tools: [{ name: 'web_search', type: 'web_search_20250305' }] as never })).toThrow(
      'tools.0.type',
    );
  });

  it('puts thinking and service_tier into tuning, and checks the budget against max_tokens', () => {
    expect(
      convert({ thinking: { type: 'enabled', budget_tokens: 50 }, service_tier: 'auto', max_tokens: 60 })
        .tuning,
    ).toEqual({
      thinkingBudgetTokens: 50,
      serviceTier: 'auto',
    });
    expect(convert({ thinking: { type: 'disabled' } }).tuning).toBeUndefined();
    expect(() => convert({ thinking: { type: 'enabled', budget_tokens: 100 } })).toThrow(
      'thinking.budget_tokens',
    );
  });
});

describe('droppedParamsHeader', () => {
  it("names dropped tuning by Anthropic's fields", () => {
    expect(droppedParamsHeader(['thinkingBudgetTokens', 'serviceTier'])).toBe('thinking, service_tier');
    expect(droppedParamsHeader([])).toBeUndefined();
  });
});
