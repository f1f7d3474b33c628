import { eventChannel, snapshotEvents } from '@llm-gateway/plugin-kit';
import type { TaskEvent, TaskState } from '@llm-gateway/spec';
import type { Redis } from 'ioredis';
import type { WireEvent } from './task-keys.js';

type Listener = (event: WireEvent) => void;

/** One subscriber connection shared by every `events()` call of this process. */
export class ChannelHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (!set) return;
      const event = JSON.parse(message) as WireEvent;
      for (const listener of set) listener(event);
    });
  }

  async listen(channel: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await this.subscriber.subscribe(channel);
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size > 0 || this.listeners.get(channel) !== set) return;
      this.listeners.delete(channel);
      await this.subscriber.unsubscribe(channel).catch(() => {});
    };
  }
}

/**
 * Listens first, then reads the state, so nothing published in between is missed; deltas the
 * snapshot's text already holds (by their end offset) are skipped.
 */
export async function* taskEvents(
  hub: ChannelHub,
  channel: string,
  read: () => Promise<TaskState | undefined>,
  signal?: AbortSignal,
): AsyncGenerator<TaskEvent> {
  const out = eventChannel(signal);
  let known = 0;
  let ready = false;
  const early: WireEvent[] = [];
  let processing = false;
  // Workers write progress behind (or not at all for a fast task): what was not published comes from the result.
  const finalState = async () => {
    const state = await read();
    if (!state || (state.status !== 'completed' && state.status !== 'failed')) return out.end();
    if (!processing) out.push({ type: 'status', status: 'processing' });
    const text = state.status === 'completed' ? (state.text ?? '') : '';
    if (text.length > known) out.push({ type: 'delta', text: text.slice(known) });
    out.push({ type: state.status, state });
  };
  const onWire = (event: WireEvent) => {
    if (!ready) {
      early.push(event);
      return;
    }
    if (event.type === 'status') {
      processing = true;
      out.push(event);
    } else if (event.type === 'delta') {
      if (event.end <= known) return;
      out.push({ type: 'delta', text: event.text.slice(event.text.length - (event.end - known)) });
      known = event.end;
    } else void finalState();
  };
  const stop = await hub.listen(channel, onWire);
  try {
    const state = await read();
    if (!state) return;
    for (const event of snapshotEvents(state)) out.push(event);
    if (state.status === 'completed' || state.status === 'failed') out.end();
    processing = state.status === 'processing';
    known = processing ? (state.text?.length ?? 0) : 0;
    ready = true;
    for (const event of early.splice(0)) {
      if (event.type === 'status' && state.status === 'processing') continue;
      onWire(event);
    }
    yield* out.events;
  } finally {
    await stop();
  }
}
