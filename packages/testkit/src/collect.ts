import type { ChatStreamPart, FinishReason, Usage } from '@llm-gateway/spec';

/** Drains an async iterable into an array (rejects with what the iterator throws). */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

export interface CollectedChat {
  parts: ChatStreamPart[];
  /** The text deltas concatenated. */
  text: string;
  /** The `finish` part, when the stream had one. */
  finish?: { type: 'finish'; finishReason: FinishReason; usage?: Usage };
}

/** Drains a backend's or pipeline's chat stream and sums it up. */
export async function collectChat(stream: AsyncIterable<ChatStreamPart>): Promise<CollectedChat> {
  const parts = await collect(stream);
  let text = '';
  let finish: CollectedChat['finish'];
  for (const part of parts) {
    if (part.type === 'text-delta') text += part.text;
    else if (part.type === 'finish') finish = part;
  }
  return finish ? { parts, text, finish } : { parts, text };
}
