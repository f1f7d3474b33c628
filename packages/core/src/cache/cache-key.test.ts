import type { ChatRequest } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalJson, canonicalRequestJson, normalizeForCache } from './cache-key.js';

const base: ChatRequest = {
  model: 'deepseek/deepseek-v3.2',
  messages: [
    { role: 'system', content: 'You are a helpful assistant' },
    { role: 'user', content: 'Hello!' },
  ],
  temperature: 0.7,
  maxTokens: 1000,
};

describe('cacheKey', () => {
  it('is a sha256 hex digest, stable for the same request', () => {
    expect(cacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey(base)).toBe(cacheKey(structuredClone(base)));
  });

  it('ignores key order, the end user, absent fields and an empty stop list', () => {
    const reordered: ChatRequest = {
      maxTokens: 1000,
      temperature: 0.7,
      messages: base.messages.map((m) => ({ content: m.content, role: m.role })),
      model: base.model,
      user: 'someone',
      stop: [],
      seed: undefined,
    };
    expect(cacheKey(reordered)).toBe(cacheKey(base));
  });

  it('changes with anything that shapes the answer', () => {
    const variants: ChatRequest[] = [
      { ...base, model: 'other' },
      { ...base, temperature: 0.2 },
      { ...base, topP: 0.9 },
      { ...base, maxTokens: 10 },
      { ...base, stop: ['\n'] },
      { ...base, seed: 1 },
      { ...base, presencePenalty: 0.5 },
      { ...base, frequencyPenalty: 0.5 },
      { ...base, messages: [...base.messages, { role: 'user', content: 'more' }] },
      { ...base, messages: [{ role: 'user', content: 'You are a helpful assistant' }, base.messages[1]!] },
      { ...base, extra: { reasoning_effort: 'high' } },
      { ...base, tools: [{ type: 'function', function: { name: 'f' } }] },
      { ...base, toolChoice: 'required' },
      { ...base, parallelToolCalls: false },
      { ...base, responseFormat: { type: 'json_object' } },
      { ...base, n: 2 },
      { ...base, logprobs: true },
      { ...base, topLogprobs: 2 },
      { ...base, logitBias: { '1': 5 } },
      { ...base, messages: [{ role: 'user', content: 'x', parts: [{ type: 'image', url: 'data:,a' }] }] },
      { ...base, messages: [{ role: 'user', content: 'x', parts: [{ type: 'image', url: 'data:,b' }] }] },
      { ...base, messages: [{ role: 'tool', content: '1', toolCallId: 'a' }] },
      { ...base, messages: [{ role: 'tool', content: '1', toolCallId: 'b' }] },
      {
        ...base,
        messages: [
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
        ],
      },
    ];
    const keys = new Set([cacheKey(base), ...variants.map((v) => cacheKey(v))]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('separates native requests that differ only in fields the normalized request does not model', () => {
    const native = (body: Record<string, unknown>): ChatRequest => ({
      ...base,
      native: {
        wire: 'anthropic-messages',
        body: { model: base.model, max_tokens: 1000, messages: [], ...body },
      },
    });
    const keys = [
      cacheKey(native({})),
      cacheKey(native({ top_k: 5 })),
      cacheKey(native({ thinking: { type: 'enabled', budget_tokens: 2048 } })),
      cacheKey(native({ system: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }] })),
    ];
    expect(new Set([cacheKey(base), ...keys]).size).toBe(5);
    expect(cacheKey(native({ top_k: 5 }))).toBe(cacheKey(structuredClone(native({ top_k: 5 }))));
  });

  it('separates scopes', () => {
    expect(cacheKey(base, 'profile-a')).not.toBe(cacheKey(base, 'profile-b'));
  });

  it('writes canonical JSON with sorted keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined, x: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[1,{"x":null,"z":1}]},"b":1}',
    );
  });

  it('keeps the keys earlier versions wrote (a shared Redis cache outlives a deploy)', () => {
    expect(cacheKey(base)).toBe('f2c0c14fff654ce597766724ea9346ef445fce1dd09073fbf9d81a3ffaaa5d55');
    expect(cacheKey(base, 'scope-a')).toBe(
      'e7a3ccabd802b75c9e7c9694b92a3d0e4edc1f3fb00aab6e377ea3c1788a4e94',
    );
    const everything: ChatRequest = {
      ...base,
      messages: [{ role: 'user', content: 'x', name: 'bob' }],
      stop: ['\n', 'END'],
      seed: 3,
      topP: 0.9,
      presencePenalty: -1,
      frequencyPenalty: 0.5,
      user: 'u',
      extra: { reasoning_effort: 'high', b: { z: 1, a: [1, null] } },
    };
    expect(cacheKey(everything)).toBe('8501e4bbda1c127ea2b6f0c937ede606bfbb967d3ef1a21dbe969a7357b453f3');
  });

  it('writes the request exactly as canonicalJson writes its normalized form', () => {
    const requests: ChatRequest[] = [
      base,
      { model: 'm', messages: [] },
      { model: 'm', messages: [{ role: 'user', content: 'a "quoted" \u2028 line' }], stop: [] },
      { model: 'm', messages: [{ role: 'assistant', content: '', name: 'n' }], temperature: 0, seed: 0 },
      { model: 'm', messages: [{ role: 'user', content: 'x' }], extra: {} },
      { model: 'm', messages: [{ role: 'user', content: 'x' }], extra: { z: undefined, a: { c: [2, 1] } } },
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'x', parts: [{ type: 'image', url: 'u', detail: 'low' }], name: 'n' },
          {
            role: 'assistant',
            content: '',
            refusal: 'r',
            toolCalls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', content: '1', toolCallId: 'a' },
        ],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }],
        toolChoice: { type: 'function', function: { name: 'f' } },
        parallelToolCalls: true,
        responseFormat: { type: 'json_schema', jsonSchema: { name: 's', schema: { b: 1, a: 2 } } },
        n: 3,
        logprobs: true,
        topLogprobs: 1,
        logitBias: { '2': 1, '1': -1 },
        metadata: { a: 'b' },
        frequencyPenalty: 1,
        seed: 1,
        stop: ['x'],
        native: { wire: 'anthropic-messages', body: { top_k: 3, model: 'm', messages: [{ role: 'user' }] } },
      },
    ];
    for (const request of requests) {
      expect(canonicalRequestJson(request)).toBe(canonicalJson(normalizeForCache(request)));
    }
  });
});
