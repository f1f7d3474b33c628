import { responsesId } from './map-responses-output.js';
import type { StoredResponse } from './responses-store.js';
import type { WireInputItem } from './responses-wire.js';

/** The input as items, each with an id (as `GET .../input_items` lists them); a string becomes one user message. */
export function inputItemsWithIds(input: string | readonly WireInputItem[] | undefined): WireInputItem[] {
  if (input === undefined) return [];
  if (typeof input === 'string')
    return [
      {
        type: 'message',
        id: responsesId('msg'),
        role: 'user',
        content: [{ type: 'input_text', text: input }],
      },
    ];
  return input.map((item) => {
    const type = item.type ?? 'message';
    return typeof item.id === 'string'
      ? { ...item, type }
      : { ...item, type, id: responsesId(type === 'message' ? 'msg' : 'item') };
  });
}

/** What a response continuing `previous` is preceded by: its history, its input and its output, in order. */
export function conversationAfter(previous: StoredResponse): WireInputItem[] {
  return [...previous.history, ...previous.inputItems, ...(previous.response.output as WireInputItem[])];
}

export interface InputItemsPage {
  object: 'list';
  data: WireInputItem[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** One page of a response's input items: `order` (default desc), after the item `after`, at most `limit`. */
export function inputItemsPage(
  items: readonly WireInputItem[],
  query: { limit?: string; order?: 'asc' | 'desc'; after?: string },
): InputItemsPage {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  const ordered = query.order === 'asc' ? [...items] : [...items].reverse();
  const at = query.after === undefined ? -1 : ordered.findIndex((item) => item.id === query.after);
  // An unknown cursor pages past the end rather than restarting from the first item.
  const start = query.after !== undefined && at < 0 ? ordered.length : at + 1;
  const data = ordered.slice(start, start + limit);
  return {
    object: 'list',
    data,
    first_id: (data[0]?.id as string | undefined) ?? null,
    last_id: (data.at(-1)?.id as string | undefined) ?? null,
    has_more: start + data.length < ordered.length,
  };
}
