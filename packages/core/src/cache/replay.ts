import type { ChatStreamPart } from '@llm-gateway/spec';
import type { CachedResponse } from './response-cache.js';

/** Splits text into about `parts` pieces, cutting after whitespace so words stay whole. */
export function splitForReplay(text: string, parts = 8): string[] {
  if (text.length === 0) return [];
  const target = Math.max(1, Math.ceil(text.length / Math.max(1, parts)));
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + target);
    if (end < text.length) {
      const space = text.slice(end).search(/\s/);
      // Extend to the next whitespace unless that would make the piece far too long.
      if (space >= 0 && space <= target) end += space + 1;
    }
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/** Replays a cached answer as stream parts: a few text deltas, then the finish part with usage. */
export async function* replayAsStream(
  cached: CachedResponse,
  options: { parts?: number } = {},
): AsyncIterable<ChatStreamPart> {
  for (const text of splitForReplay(cached.text, options.parts)) yield { type: 'text-delta', text };
  yield { type: 'finish', finishReason: cached.finishReason, usage: { ...cached.usage } };
}
