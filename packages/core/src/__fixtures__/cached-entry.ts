import type { CachedResponse } from '../cache/response-cache.js';

/** A cache entry whose only distinguishing field is its text. */
export const cachedEntry = (text: string): CachedResponse => ({
  text,
  finishReason: 'stop',
  usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
  model: 'm',
  backend: 'b',
  createdAt: 1,
});
