import { anonymousPrincipal, isGatewayError } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { chatRequestFromResponses } from './responses-request.js';
import type { WireResponsesBody } from './responses-wire.js';

function refusal(body: WireResponsesBody): { param?: string; status: number } {
  try {
    chatRequestFromResponses(body, anonymousPrincipal, 'gpt-4o-mini');
  } catch (error) {
    if (isGatewayError(error)) return { param: error.param, status: error.status };
    throw error;
  }
  throw new Error('expected a 400');
}

describe('chatRequestFromResponses', () => {
  it('maps instructions, sampling, tools, tool_choice, text.format, metadata and user', () => {
    const { request, customNames } = chatRequestFromResponses(
      {
        model: 'gpt-4o',
        instructions: 'You are terse.',
        input: 'Hi',
        max_output_tokens: 64,
        temperature: 0.2,
        top_p: 0.9,
        user: 'u-1',
        metadata: { team: 'a' },
        parallel_tool_calls: false,
        tools: [
          { type: 'function', name: 'weather', parameters: { type: 'object' }, strict: true },
          { type: 'custom', name: 'apply_patch', description: 'Patch files.' },
        ],
        tool_choice: { type: 'custom', name: 'apply_patch' },
        text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
      },
      anonymousPrincipal,
      undefined,
    );
    expect(request).toMatchObject({
      model: 'gpt-4o',
      maxTokens: 64,
      temperature: 0.2,
      topP: 0.9,
      user: 'u-1',
      metadata: { team: 'a' },
      parallelToolCalls: false,
      toolChoice: { type: 'function', function: { name: 'apply_patch' } },
      responseFormat: {
        type: 'json_schema',
        jsonSchema: { name: 'out', schema: { type: 'object' }, strict: true },
      },
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
      ],
    });
    expect(request.tools?.[1]?.function).toMatchObject({
      name: 'apply_patch',
      description: 'Patch files.',
      parameters: { type: 'object', required: ['input'] },
    });
    expect([...customNames]).toEqual(['apply_patch']);
  });

  it('puts backend-tuning fields in tuning, store only when sent', () => {
    const { request } = chatRequestFromResponses(
      {
        input: 'Hi',
        reasoning: { effort: 'high', summary: 'auto' },
        include: ['reasoning.encrypted_content'],
        service_tier: 'flex',
        prompt_cache_key: 'k',
        truncation: 'auto',
        store: false,
      },
      anonymousPrincipal,
      'gpt-4o-mini',
    );
    expect(request.tuning).toEqual({
      reasoningEffort: 'high',
      reasoningSummary: 'auto',
      include: ['reasoning.encrypted_content'],
      serviceTier: 'flex',
      promptCacheKey: 'k',
      truncation: 'auto',
      store: false,
    });
    expect(chatRequestFromResponses({ input: 'Hi' }, anonymousPrincipal, 'm').request.tuning).toBeUndefined();
  });

  it('prepends the previous conversation after the instructions', () => {
    const { request } = chatRequestFromResponses(
      { input: 'and then?', instructions: 'sys' },
      anonymousPrincipal,
      'm',
      [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'answer' },
      ],
    );
    expect(request.messages.map((m) => m.content)).toEqual(['sys', 'first', 'answer', 'and then?']);
  });

  it('lists text.verbosity as dropped by the surface', () => {
    const { dropped } = chatRequestFromResponses(
      { input: 'Hi', text: { verbosity: 'low' } },
      anonymousPrincipal,
      'm',
    );
    expect(dropped).toEqual(['text.verbosity']);
  });

  it('refuses built-in tools, unknown fields and unservable choices with a 400 naming the parameter', () => {
    expect(refusal({ input: 'Hi', tools: [{ type: 'web_search_preview' }] })).toEqual({
      param: 'tools[0].type',
      status: 400,
    });
    expect(refusal({ input: 'Hi', tools: [{ type: 'file_search', vector_store_ids: ['v'] }] }).param).toBe(
      'tools[0].type',
    );
    expect(refusal({ input: 'Hi', conversation: 'conv_1' })).toEqual({ param: 'conversation', status: 400 });
    expect(refusal({ input: 'Hi', tool_choice: { type: 'web_search_preview' } }).param).toBe('tool_choice');
    expect(refusal({ input: 'Hi', reasoning: { effort: 'extreme' } }).param).toBe('reasoning.effort');
    expect(refusal({}).param).toBe('input');
    expect(
      refusal({ input: 'Hi', tools: [{ type: 'function', name: 'f', parameters: 'x' as never }] }).param,
    ).toBe('tools[0].parameters');
  });
});
