/**
 * Whole server-sent events out of an upstream's body, each with its exact text, for a relay that passes
 * the upstream's bytes on unchanged and reads only the events it needs. eventsource-parser gives an
 * event's fields but not its text, and the relay must be able to leave one event out (OpenAI's usage
 * event when the client did not ask for it) without re-framing the others.
 */

/** One event: its text as it came (through its blank line), its `event:` name ('' when none) and its data. */
export interface RawSseEvent {
  raw: string;
  event: string;
  data: string;
}

/** An event that grows past the limit without ending; the relay stops rather than buffer it. */
export class SseEventTooLargeError extends Error {
  constructor(limit: number) {
    super(`an upstream event grew past ${limit} bytes without ending`);
    this.name = 'SseEventTooLargeError';
  }
}

const defaultMaxEventBytes = 8 * 1024 * 1024;

/** The end of the first blank line at or after `from` (the index after it), or -1. */
function eventEnd(text: string, from: number, carriageReturns: boolean): number {
  if (!carriageReturns) {
    const at = text.indexOf('\n\n', from);
    return at === -1 ? -1 : at + 2;
  }
  // Any of CRLF, LF, CR ends a line (the SSE spec); an empty line ends the event.
  let lineStart = from;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 10 && c !== 13) continue;
    if (c === 13 && i + 1 >= text.length) return -1; // a CR at the end may be half a CRLF
    const next = c === 13 && text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
    if (i === lineStart) return next;
    lineStart = next;
    i = next - 1;
  }
  return -1;
}

/** The `event:` name and the joined `data:` lines of one event's text. */
function fieldsOf(raw: string): { event: string; data: string } {
  // The usual event, one `data: ` line and a blank one (`data: {...}\n\n`): no line splitting.
  const end = raw.length - 2;
  if (
    raw.startsWith('data: ') &&
    raw.indexOf('\n') === end &&
    raw.charCodeAt(end + 1) === 10 &&
    !raw.includes('\r')
  ) {
    return { event: '', data: raw.slice(6, end) };
  }
  let event = '';
  let data: string | undefined;
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line === '' || line.charCodeAt(0) === 58) continue; // blank or a `:` comment
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (name === 'data') data = data === undefined ? value : `${data}\n${value}`;
    else if (name === 'event') event = value;
  }
  return { event, data: data ?? '' };
}

/** Splits a body, read by read, into whole events; what is left between reads waits for its end. */
export class SseEventSplitter {
  readonly #decoder = new TextDecoder();
  readonly #maxEventBytes: number;
  #pending = '';

  constructor(maxEventBytes = defaultMaxEventBytes) {
    this.#maxEventBytes = maxEventBytes;
  }

  /** True when no part of an event is waiting: the reads so far ended on an event boundary. */
  get idle(): boolean {
    return this.#pending === '';
  }

  /** The events that `bytes` completes, in order. Throws SseEventTooLargeError past the limit. */
  push(bytes: Uint8Array | string): RawSseEvent[] {
    const text =
      this.#pending + (typeof bytes === 'string' ? bytes : this.#decoder.decode(bytes, { stream: true }));
    const events: RawSseEvent[] = [];
    const carriageReturns = text.includes('\r');
    let start = 0;
    for (
      let end = eventEnd(text, 0, carriageReturns);
      end !== -1;
      end = eventEnd(text, start, carriageReturns)
    ) {
      const raw = text.slice(start, end);
      events.push({ raw, ...fieldsOf(raw) });
      start = end;
    }
    this.#pending = start === text.length ? '' : text.slice(start);
    if (this.#pending.length > this.#maxEventBytes) throw new SseEventTooLargeError(this.#maxEventBytes);
    return events;
  }

  /** The text left at the end of the body (an event without its blank line), '' when none. */
  end(): string {
    const rest = this.#pending + this.#decoder.decode();
    this.#pending = '';
    return rest;
  }
}
