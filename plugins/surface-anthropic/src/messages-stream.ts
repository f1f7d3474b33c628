import type { CallMeta, ChatStreamPart, FinishReason, Usage } from '@llm-gateway/spec';
import { convertUsage } from './convert-usage.js';
import { mapStopReason } from './map-stop-reason.js';
import { messageId, toolUseId } from './message-id.js';

/** One server-sent event of Anthropic's stream: its name and its JSON payload. */
export interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

type OpenBlock = { kind: 'text' | 'thinking' } | { kind: 'tool'; call: number };

/**
 * Turns pipeline stream parts into Anthropic's event sequence: `message_start` and a `ping`, then per
 * content block `content_block_start` / `_delta` / `_stop` (text, thinking, tool_use), then
 * `message_delta` (stop reason, usage) and `message_stop`. When the backend streams the Messages API
 * natively (`native-event` parts), its events are relayed as they came and the normalized parts ignored;
 * when it relays the upstream's bytes (`relay-bytes` parts, see {@link relays}) the encoder writes nothing.
 */
export class MessagesStreamEncoder {
  readonly #meta: CallMeta;
  #mode: 'pending' | 'translated' | 'native' | 'relay' = 'pending';
  #open: OpenBlock | undefined;
  #next = 0;
  #calledTools = false;
  #refused = false;
  #stopped = false;

  constructor(meta: CallMeta) {
    this.#meta = meta;
  }

  /** Whether `message_stop` went out (a stream that ends without one gets the end from {@link end}). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Whether the bytes of a `relay-bytes` part go to the client as they are: yes for the Messages wire
   * unless the stream is already translated (then they are ignored). The first one switches the
   * encoder to relaying: from then on the normalized parts and the end make no events (the upstream's
   * own `message_stop` is in the bytes).
   */
  relays(part: Extract<ChatStreamPart, { type: 'relay-bytes' }>): boolean {
    if (part.wire !== 'anthropic-messages') return false;
    if (this.#mode === 'pending') this.#mode = 'relay';
    return this.#mode === 'relay';
  }

  /** The events one part makes, in order. */
  part(part: ChatStreamPart): StreamEvent[] {
    if (part.type === 'response-metadata' || part.type === 'relay-bytes') return [];
    if (part.type === 'native-event')
      return part.wire === 'anthropic-messages' ? this.#native(part.event) : [];
    if (this.#mode === 'native' || this.#mode === 'relay' || this.#stopped) return [];
    const events = this.#start();
    if ('choice' in part && part.choice) return events;
    switch (part.type) {
      case 'text-delta':
        if (part.text !== '') this.#delta(events, 'text', { type: 'text_delta', text: part.text });
        break;
      case 'refusal-delta':
        this.#refused = true;
        if (part.text !== '') this.#delta(events, 'text', { type: 'text_delta', text: part.text });
        break;
      case 'reasoning-delta':
        if (part.text !== '')
          this.#delta(events, 'thinking', { type: 'thinking_delta', thinking: part.text });
        break;
      case 'tool-call-delta':
        this.#toolDelta(events, part);
        break;
      case 'finish':
        this.#finish(events, part.finishReason, part.usage, part.stopSequence);
        break;
    }
    return events;
  }

  /** The end of a stream that came without a finish part (the upstream just stopped). */
  end(usage: Usage | undefined): StreamEvent[] {
    if (this.#stopped || this.#mode === 'native' || this.#mode === 'relay') return [];
    const events = this.#start();
    this.#finish(events, 'stop', usage, undefined);
    return events;
  }

  #native(event: Record<string, unknown>): StreamEvent[] {
    if (this.#mode === 'translated' || this.#mode === 'relay') return [];
    this.#mode = 'native';
    const name = typeof event.type === 'string' ? event.type : 'message';
    if (name === 'message_stop') this.#stopped = true;
    if (name !== 'message_start') return [{ event: name, data: event }];
    // The message's id and model follow the gateway's conventions, as on the translated path.
    const message = (event.message ?? {}) as Record<string, unknown>;
    const rewritten = { ...message, id: messageId(message.id, this.#meta), model: this.#meta.requestedModel };
    return [{ event: name, data: { ...event, message: rewritten } }];
  }

  #start(): StreamEvent[] {
    if (this.#mode !== 'pending') return [];
    this.#mode = 'translated';
    const message = {
      id: messageId(undefined, this.#meta),
      type: 'message',
      role: 'assistant',
      model: this.#meta.requestedModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: convertUsage(undefined),
    };
    return [
      { event: 'message_start', data: { type: 'message_start', message } },
      { event: 'ping', data: { type: 'ping' } },
    ];
  }

  #close(events: StreamEvent[]): void {
    if (!this.#open) return;
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: this.#next - 1 } });
    this.#open = undefined;
  }

  #begin(events: StreamEvent[], block: OpenBlock, contentBlock: Record<string, unknown>): void {
    this.#close(events);
    this.#open = block;
    events.push({
      event: 'content_block_start',
      data: { type: 'content_block_start', index: this.#next, content_block: contentBlock },
    });
    this.#next += 1;
  }

  #delta(events: StreamEvent[], kind: 'text' | 'thinking', delta: Record<string, unknown>): void {
    if (this.#open?.kind !== kind) {
      const block =
        kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
      this.#begin(events, { kind }, block);
    }
    events.push({
      event: 'content_block_delta',
      data: { type: 'content_block_delta', index: this.#next - 1, delta },
    });
  }

  #toolDelta(events: StreamEvent[], part: Extract<ChatStreamPart, { type: 'tool-call-delta' }>): void {
    const open = this.#open;
    if (open?.kind !== 'tool' || open.call !== part.index || part.id !== undefined) {
      this.#calledTools = true;
      const id = part.id ?? toolUseId();
      this.#begin(
        events,
        { kind: 'tool', call: part.index },
        { type: 'tool_use', id, name: part.name ?? '', input: {} },
      );
    }
    if (part.arguments) {
      events.push({
        event: 'content_block_delta',
        data: {
          type: 'content_block_delta',
          index: this.#next - 1,
          delta: { type: 'input_json_delta', partial_json: part.arguments },
        },
      });
    }
  }

  #finish(
    events: StreamEvent[],
    reason: FinishReason,
    usage: Usage | undefined,
    stopSequence: string | undefined,
  ): void {
    this.#close(events);
    const stop = mapStopReason({
      finishReason: reason,
      stopSequence,
      calledTools: this.#calledTools,
      refused: this.#refused,
    });
    const { input_tokens, output_tokens } = convertUsage(usage);
    events.push(
      {
        event: 'message_delta',
        data: { type: 'message_delta', delta: stop, usage: { input_tokens, output_tokens } },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    );
    this.#stopped = true;
  }
}
