import type { ChatRequest } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalJson } from './cache-key.js';

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
    ];
    const keys = new Set([cacheKey(base), ...variants.map((v) => cacheKey(v))]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('separates scopes', () => {
    expect(cacheKey(base, 'profile-a')).not.toBe(cacheKey(base, 'profile-b'));
  });

  it('writes canonical JSON with sorted keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined, x: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[1,{"x":null,"z":1}]},"b":1}',
    );
  });
});
