import type { ChatStreamPart, FinishReason, Usage } from '@llm-gateway/spec';
import { customToolInput, finishedStatus, responsesId, wireResponseUsage } from './map-responses-output.js';
import type { WireOutputItem, WireResponse } from './responses-wire.js';

/** One Responses stream event; `sequence_number` counts from 0 in the order they are sent. */
export interface ResponsesEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

type ContentKind = 'output_text' | 'refusal' | 'reasoning_text';

/** Event names and part shapes of the three kinds of streamed content. */
const contentEvents: Record<ContentKind, { delta: string; done: string; field: 'text' | 'refusal' }> = {
  output_text: { delta: 'response.output_text.delta', done: 'response.output_text.done', field: 'text' },
  refusal: { delta: 'response.refusal.delta', done: 'response.refusal.done', field: 'refusal' },
  reasoning_text: {
    delta: 'response.reasoning_text.delta',
    done: 'response.reasoning_text.done',
    field: 'text',
  },
};

interface OpenContent {
  kind: ContentKind;
  id: string;
  outputIndex: number;
  text: string;
}

interface OpenCall {
  /** The upstream's tool call index. */
  index: number;
  id: string;
  callId: string;
  name: string;
  custom: boolean;
  outputIndex: number;
  arguments: string;
}

/**
 * Turns normalized stream parts into the Responses API's event sequence: one output item at a time
 * (added, its content, done), then `response.completed` (or `.incomplete`/`.failed`) with the whole response.
 */
export class ResponsesStreamEncoder {
  readonly #base: WireResponse;
  readonly #customNames: ReadonlySet<string>;
  readonly #output: WireOutputItem[] = [];
  #sequence = 0;
  #open: OpenContent | OpenCall | undefined;

  constructor(base: WireResponse, customNames: ReadonlySet<string>) {
    this.#base = base;
    this.#customNames = customNames;
  }

  #event(type: string, fields: Record<string, unknown>): ResponsesEvent {
    return { type, sequence_number: this.#sequence++, ...fields };
  }

  #snapshot(fields: Partial<WireResponse>): WireResponse {
    return { ...this.#base, output: [...this.#output], ...fields };
  }

  /** `response.created` and `response.in_progress`. */
  start(): ResponsesEvent[] {
    const response = this.#snapshot({ status: 'in_progress' });
    return [this.#event('response.created', { response }), this.#event('response.in_progress', { response })];
  }

  part(part: ChatStreamPart): ResponsesEvent[] {
    if (
      (part.type === 'text-delta' || part.type === 'refusal-delta' || part.type === 'reasoning-delta') &&
      (part.choice ?? 0) === 0
    ) {
      if (part.text === '') return [];
      const kind: ContentKind =
        part.type === 'text-delta'
          ? 'output_text'
          : part.type === 'refusal-delta'
            ? 'refusal'
            : 'reasoning_text';
      return this.#contentDelta(kind, part.text);
    }
    if (part.type === 'tool-call-delta' && (part.choice ?? 0) === 0) return this.#callDelta(part);
    return [];
  }

  /** Closes what is open and ends with `response.completed` or `response.incomplete`. */
  finish(
    finishReason: FinishReason,
    usage: Usage | undefined,
  ): { events: ResponsesEvent[]; response: WireResponse } {
    const events = this.#close();
    const status = finishedStatus(finishReason);
    const response = this.#snapshot({ ...status, usage: wireResponseUsage(usage) });
    const type = status.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
    events.push(this.#event(type, { response }));
    return { events, response };
  }

  /** `response.failed` after a failure once the stream had started. */
  fail(error: { code: string; message: string }): { event: ResponsesEvent; response: WireResponse } {
    const response = this.#snapshot({ status: 'failed', error });
    return { event: this.#event('response.failed', { response }), response };
  }

  #contentDelta(kind: ContentKind, delta: string): ResponsesEvent[] {
    const events: ResponsesEvent[] = [];
    let open = this.#open;
    if (!open || !('kind' in open) || open.kind !== kind) {
      events.push(...this.#close());
      open = {
        kind,
        id: responsesId(kind === 'reasoning_text' ? 'rs' : 'msg'),
        outputIndex: this.#output.length,
        text: '',
      };
      this.#open = open;
      const item =
        kind === 'reasoning_text'
          ? { type: 'reasoning', id: open.id, summary: [], content: [], status: 'in_progress' }
          : { type: 'message', id: open.id, status: 'in_progress', role: 'assistant', content: [] };
      events.push(this.#event('response.output_item.added', { output_index: open.outputIndex, item }));
      events.push(
        this.#event('response.content_part.added', {
          item_id: open.id,
          output_index: open.outputIndex,
          content_index: 0,
          part: this.#contentPart(kind, ''),
        }),
      );
    }
    open.text += delta;
    events.push(
      this.#event(contentEvents[kind].delta, {
        item_id: open.id,
        output_index: open.outputIndex,
        content_index: 0,
        delta,
        ...(kind === 'output_text' ? { logprobs: [] } : {}),
      }),
    );
    return events;
  }

  #contentPart(kind: ContentKind, text: string): Record<string, unknown> {
    if (kind === 'output_text') return { type: 'output_text', text, annotations: [], logprobs: [] };
    if (kind === 'refusal') return { type: 'refusal', refusal: text };
    return { type: 'reasoning_text', text };
  }

  #callDelta(part: Extract<ChatStreamPart, { type: 'tool-call-delta' }>): ResponsesEvent[] {
    const events: ResponsesEvent[] = [];
    let open = this.#open;
    if (!open || !('callId' in open) || open.index !== part.index) {
      events.push(...this.#close());
      const name = part.name ?? '';
      const custom = this.#customNames.has(name);
      open = {
        index: part.index,
        id: responsesId(custom ? 'ctc' : 'fc'),
        callId: part.id ?? responsesId('call'),
        name,
        custom,
        outputIndex: this.#output.length,
        arguments: '',
      };
      this.#open = open;
      const item = custom
        ? {
            type: 'custom_tool_call',
            id: open.id,
            call_id: open.callId,
            name,
            input: '',
            status: 'in_progress',
          }
        : {
            type: 'function_call',
            id: open.id,
            call_id: open.callId,
            name,
            arguments: '',
            status: 'in_progress',
          };
      events.push(this.#event('response.output_item.added', { output_index: open.outputIndex, item }));
    }
    const delta = part.arguments ?? '';
    if (delta === '') return events;
    open.arguments += delta;
    // A custom tool's input is one JSON string argument: it is only known whole, so it goes out at the end.
    if (!open.custom)
      events.push(
        this.#event('response.function_call_arguments.delta', {
          item_id: open.id,
          output_index: open.outputIndex,
          delta,
        }),
      );
    return events;
  }

  /** The `.done` events of the open item, which then joins the output. */
  #close(): ResponsesEvent[] {
    const open = this.#open;
    this.#open = undefined;
    if (!open) return [];
    const at = { item_id: open.id, output_index: open.outputIndex };
    if ('kind' in open) {
      const { field, done } = contentEvents[open.kind];
      const part = this.#contentPart(open.kind, open.text);
      const item = (
        open.kind === 'reasoning_text'
          ? { type: 'reasoning', id: open.id, summary: [], content: [part], status: 'completed' }
          : { type: 'message', id: open.id, status: 'completed', role: 'assistant', content: [part] }
      ) as WireOutputItem;
      this.#output.push(item);
      return [
        this.#event(done, {
          ...at,
          content_index: 0,
          [field]: open.text,
          ...(open.kind === 'output_text' ? { logprobs: [] } : {}),
        }),
        this.#event('response.content_part.done', { ...at, content_index: 0, part }),
        this.#event('response.output_item.done', { output_index: open.outputIndex, item }),
      ];
    }
    if (open.custom) {
      const input = customToolInput(open.arguments);
      const item: WireOutputItem = {
        type: 'custom_tool_call',
        id: open.id,
        call_id: open.callId,
        name: open.name,
        input,
        status: 'completed',
      };
      this.#output.push(item);
      return [
        this.#event('response.custom_tool_call_input.delta', { ...at, delta: input }),
        this.#event('response.custom_tool_call_input.done', { ...at, input }),
        this.#event('response.output_item.done', { output_index: open.outputIndex, item }),
      ];
    }
    const item: WireOutputItem = {
      type: 'function_call',
      id: open.id,
      call_id: open.callId,
      name: open.name,
      arguments: open.arguments,
      status: 'completed',
    };
    this.#output.push(item);
    return [
      this.#event('response.function_call_arguments.done', {
        ...at,
        name: open.name,
        arguments: open.arguments,
      }),
      this.#event('response.output_item.done', { output_index: open.outputIndex, item }),
    ];
  }
}
