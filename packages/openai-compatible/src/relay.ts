/**
 * The same-wire relay: a Chat Completions answer passed on as the upstream sent it. The SDK still builds,
 * sends and status-checks the request (`asResponse()`); the body's bytes go to the client unchanged and
 * are read only for accounting: the first event (id, created), the events that carry a finish reason or
 * usage, and errors. Content events are parsed only when the cache needs the answer (`relay.parts`) or
 * the upstream gave no usage (the gateway then counts the text, at the end).
 */
import { type RawSseEvent, SseEventSplitter, SseEventTooLargeError } from '@llm-gateway/plugin-kit';
import type { ChatResult, ChatStreamPart, RelayRequest, RelayWire, Usage } from '@llm-gateway/spec';
import {
  eventReportedError,
  malformedResponseError,
  parseUpstreamJson,
  streamReportedError,
} from './errors.js';
import { type ChunkReading, partsOfChunk } from './stream.js';
import {
  fromOpenAICompatibleCompletion,
  mapOpenAICompatibleUsage,
  type OpenAICompatibleChunk,
  type OpenAICompatibleCompletion,
} from './wire.js';

export const openAIChatWire: RelayWire = 'openai-chat';

/** The part of a fetch `Response` the relay reads. */
export interface RelayedResponse {
  body: AsyncIterable<Uint8Array> | null;
  arrayBuffer(): Promise<ArrayBuffer>;
}

const decoder = new TextDecoder();

/** A JSON answer: its bytes for the client, the normalized result read from them. */
export async function relayCompletion(
  backend: string,
  response: RelayedResponse,
  model: string,
): Promise<ChatResult> {
  const body = new Uint8Array(await response.arrayBuffer());
  const completion = parseUpstreamJson(backend, decoder.decode(body));
  if (typeof completion !== 'object' || completion === null || Array.isArray(completion)) {
    throw malformedResponseError(backend, new Error('the answer is not a JSON object'));
  }
  const result = fromOpenAICompatibleCompletion(completion as OpenAICompatibleCompletion, model);
  result.relay = { wire: openAIChatWire, body };
  return result;
}

/** The first character after `"name"` and its colon (whitespace skipped), '' when the key is absent. */
function valueStart(data: string, key: string): string {
  let at = data.indexOf(key);
  while (at !== -1) {
    let i = at + key.length;
    while (data.charCodeAt(i) === 32 || data.charCodeAt(i) === 9 || data.charCodeAt(i) === 10) i++;
    if (data.charCodeAt(i) === 58) {
      i++;
      while (data.charCodeAt(i) === 32 || data.charCodeAt(i) === 9 || data.charCodeAt(i) === 10) i++;
      return data.charAt(i);
    }
    at = data.indexOf(key, at + 1);
  }
  return '';
}

/**
 * Whether an event may carry what accounting reads: a finish reason, a usage object, an error. Tolerates
 * whitespace (an upstream may pretty-print); a false positive only costs a parse.
 */
function readsForAccounting(data: string): boolean {
  return (
    valueStart(data, '"finish_reason"') === '"' ||
    valueStart(data, '"usage"') === '{' ||
    data.includes('"error"')
  );
}

/** How one relayed stream has gone so far. */
interface RelayReading extends ChunkReading {
  usage?: Usage;
  /** `data: [DONE]` came: later events are passed on but not read. */
  done: boolean;
  /** The data of content events not parsed yet (kept in case the text must be counted). */
  unread: string[];
  /** Characters in `unread`; past `maxUnread` the events are parsed as they come instead of kept. */
  unreadChars: number;
  maxUnread: number;
}

/** Whether a read ends with a line break (so no part of a character waits in the decoder). */
export function endsLine(bytes: Uint8Array | string): boolean {
  const last = typeof bytes === 'string' ? bytes.charCodeAt(bytes.length - 1) : bytes[bytes.length - 1];
  return last === 10 || last === 13;
}

/** A usage-only event (`choices: []` with usage): sent only to a client that asked for it. */
function isUsageEvent(chunk: OpenAICompatibleChunk): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage != null;
}

/**
 * Reads one event: returns whether its text goes to the client, pushes the parts accounting needs.
 * Throws (after the caller has sent the events before it) when the event reports an error.
 */
function readEvent(
  backend: string,
  event: RawSseEvent,
  relay: RelayRequest,
  reading: RelayReading,
  parts: ChatStreamPart[],
): boolean {
  const { data } = event;
  if (reading.done || data === '') return true;
  if (data.startsWith('[DONE]')) {
    reading.done = true;
    return true;
  }
  const first = !reading.metadataSent;
  if (!relay.parts && reading.unreadChars + data.length > reading.maxUnread) {
    // A long answer: its events are not all kept for a count that may never be needed (memory grows with
    // the answer): the kept ones become parts now, and every later event is read as it comes.
    parts.push(...unreadParts(backend, reading));
    reading.maxUnread = -1;
  }
  const counting = relay.parts === true || reading.maxUnread < 0;
  // Kept unread in case the text must be counted; the parts below carry only metadata then.
  if (!counting) {
    reading.unread.push(data);
    reading.unreadChars += data.length;
  }
  if (!first && !counting && event.event !== 'error' && !readsForAccounting(data)) return true;
  const chunk = parseUpstreamJson(backend, data) as OpenAICompatibleChunk | null;
  if (event.event === 'error' || (chunk as { error?: unknown } | null)?.error)
    throw eventReportedError(backend, chunk);
  if (typeof chunk !== 'object' || chunk === null) return true;
  if (chunk.x_groq?.error) throw streamReportedError(backend, chunk.x_groq.error);
  reading.usage = mapOpenAICompatibleUsage(chunk.usage ?? chunk.x_groq?.usage) ?? reading.usage;
  for (const part of partsOfChunk(chunk, reading)) {
    // Without `parts`, only what accounting and tracing read: the metadata (finish is read into `reading`).
    if (counting || part.type === 'response-metadata') parts.push(part);
  }
  return relay.usageEvent === true || !isUsageEvent(chunk);
}

/** The content parts of the events not read yet (the upstream gave no usage: the text is counted). */
function* unreadParts(backend: string, reading: RelayReading): Generator<ChatStreamPart> {
  const later: ChunkReading = { metadataSent: true };
  for (const data of reading.unread) {
    const chunk = parseUpstreamJson(backend, data) as OpenAICompatibleChunk | null;
    if (typeof chunk !== 'object' || chunk === null) continue;
    for (const part of partsOfChunk(chunk, later)) if (part.type !== 'response-metadata') yield part;
  }
  reading.unread = [];
  reading.unreadChars = 0;
}

/**
 * Reads one relayed event: returns whether its text goes to the client, pushes the parts derived from it;
 * throws when it reports an error (the events before it have gone out by then).
 */
export type RelayEventReader = (event: RawSseEvent, parts: ChatStreamPart[]) => boolean;

/**
 * The reads of a relayed SSE body: per network read one `relay-bytes` part with its whole events that
 * `read` keeps (the read itself when it kept them all and the reads so far end on an event boundary),
 * then the parts `read` derived. Returns what was left after the last blank line (no whole event).
 */
export async function* relaySseReads(
  backend: string,
  wire: RelayWire,
  body: AsyncIterable<Uint8Array | string>,
  read: RelayEventReader,
): AsyncGenerator<ChatStreamPart, string> {
  const splitter = new SseEventSplitter();
  /** The reads so far ended on an event boundary, with no part of a character waiting in the decoder. */
  let boundary = true;
  for await (const bytes of body) {
    const started = boundary;
    let events: RawSseEvent[];
    try {
      events = splitter.push(bytes);
    } catch (error) {
      throw error instanceof SseEventTooLargeError ? malformedResponseError(backend, error) : error;
    }
    boundary = splitter.idle && endsLine(bytes);
    const parts: ChatStreamPart[] = [];
    /** Events left out (read said no), by index; the text is joined only when there are some. */
    let left: number[] | undefined;
    let count = events.length;
    let failure: unknown;
    for (let i = 0; i < events.length; i++) {
      try {
        if (!read(events[i]!, parts)) {
          left ??= [];
          left.push(i);
        }
      } catch (error) {
        failure = error;
        count = i;
        break;
      }
    }
    if (started && boundary && count === events.length && left === undefined && count > 0)
      yield { type: 'relay-bytes', wire, bytes };
    else {
      let kept = '';
      for (let i = 0; i < count; i++) if (!left?.includes(i)) kept += events[i]!.raw;
      if (kept !== '') yield { type: 'relay-bytes', wire, bytes: kept };
    }
    yield* parts;
    if (failure !== undefined) throw failure;
  }
  return splitter.end();
}

/**
 * A streamed Chat Completions answer relayed (see `relaySseReads`). The caller yields `finish` (with
 * `reading.usage`) and checks `finishReason`.
 */
export async function* relayStream(
  backend: string,
  body: AsyncIterable<Uint8Array>,
  relay: RelayRequest,
  reading: RelayReading,
): AsyncGenerator<ChatStreamPart> {
  const rest = yield* relaySseReads(backend, openAIChatWire, body, (event, parts) =>
    readEvent(backend, event, relay, reading, parts),
  );
  if (rest !== '') yield { type: 'relay-bytes', wire: openAIChatWire, bytes: rest };
  if (reading.usage === undefined && !relay.parts) yield* unreadParts(backend, reading);
}

/** Event data a relayed stream keeps unparsed (in case the upstream gives no usage) before it reads as it goes. */
const defaultMaxUnread = 1 << 20;

export function relayReading(maxUnread = defaultMaxUnread): RelayReading {
  return { metadataSent: false, done: false, unread: [], unreadChars: 0, maxUnread };
}
