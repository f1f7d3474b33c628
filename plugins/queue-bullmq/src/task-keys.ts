/** Where a task's streamed text and its live events live in Redis. */
export function taskKeys(prefix: string, queueName: string, id: string) {
  const base = `${prefix}:${queueName}:task:${id}`;
  return { text: `${base}:text`, channel: `${base}:events` };
}

/** What workers publish on a task's channel; `end` is the stored text's length after a delta. */
export type WireEvent =
  | { type: 'status'; status: 'processing' }
  | { type: 'delta'; text: string; end: number }
  | { type: 'final' };
