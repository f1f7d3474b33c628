import { collect } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { replayAsStream, splitForReplay } from './replay.js';
import { type CachedResponse, isCacheable, parseCachedResponse, toCachedResponse } from './response-cache.js';

const cached: CachedResponse = {
  text: 'Hello! How can I help you today? Ask me anything about the weather or the news.',
  finishReason: 'stop',
  usage: { promptTokens: 12, completionTokens: 18, totalTokens: 30 },
  model: 'deepseek/deepseek-v3.2',
  backend: 'deepseek',
  createdAt: 1_705_920_000_000,
};

describe('replayAsStream', () => {
  it('yields the text in a few deltas, then a finish part with the usage', async () => {
    const parts = await collect(replayAsStream(cached));
    const deltas = parts.filter((p) => p.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.length).toBeLessThanOrEqual(10);
    expect(deltas.map((p) => p.text).join('')).toBe(cached.text);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: cached.usage });
  });

  it('yields only the finish part for an empty answer', async () => {
    const parts = await collect(replayAsStream({ ...cached, text: '', finishReason: 'length' }));
    expect(parts).toEqual([{ type: 'finish', finishReason: 'length', usage: cached.usage }]);
  });

  it('never loses characters, whatever the text', () => {
    for (const text of [
      'a',
      'no-spaces-at-all-in-this-long-string',
      '  lead and trail  ',
      'é 日本語 🙂 x'.repeat(9),
    ]) {
      expect(splitForReplay(text, 4).join('')).toBe(text);
    }
  });
});

describe('cached responses', () => {
  it('round-trips through JSON and rejects malformed values', () => {
    const result = {
      id: 'x',
      model: 'm',
      text: 't',
      finishReason: 'stop' as const,
      usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
      created: 1,
    };
    const value = toCachedResponse(result, 'openai', 42);
    expect(parseCachedResponse(JSON.parse(JSON.stringify(value)))).toEqual(value);
    expect(parseCachedResponse({ ...value, usage: null })).toBeUndefined();
    expect(parseCachedResponse({ ...value, finishReason: 'bogus' })).toBeUndefined();
    expect(parseCachedResponse('text')).toBeUndefined();
  });

  it('caches only complete answers', () => {
    expect(isCacheable({ finishReason: 'stop' })).toBe(true);
    expect(isCacheable({ finishReason: 'length' })).toBe(true);
    expect(isCacheable({ finishReason: 'error' })).toBe(false);
    expect(isCacheable({ finishReason: 'content_filter' })).toBe(false);
  });
});
