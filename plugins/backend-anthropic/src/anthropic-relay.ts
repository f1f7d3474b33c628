/**
 * The relay path (`ChatRequest.relay` of wire `anthropic-messages`): the upstream's Messages answer goes to a
 * Messages surface as it came, JSON body and SSE bytes alike. Only what accounting needs is parsed: the
 * `message_start` and `message_delta` events (id, usage, stop reason), `error` events, and the content
 * events only when the normalized parts are asked for (`relay.parts`) or the upstream gave no usage.
 */
import type Anthropic from '@anthropic-ai/sdk';
import {
  eventReportedError,
  malformedResponseError,
  parseUpstreamJson,
  relaySseReads,
} from '@llm-gateway/openai-compatible';
import type { RawSseEvent } from '@llm-gateway/plugin-kit';
import type { ChatRequest, ChatStreamPart, RelayRequest } from '@llm-gateway/spec';
import { type AnthropicStreamReading, partsOfAnthropicEvent } from './anthropic-stream.js';

export const anthropicRelayWire = 'anthropic-messages';

/** The relay ask when it is for the Messages wire, else undefined (the answer is normalized as usual). */
export function anthropicRelay(request: ChatRequest): RelayRequest | undefined {
  return request.relay?.wire === anthropicRelayWire ? request.relay : undefined;
}

const decoder = new TextDecoder();

/** A JSON answer's bytes as the Message they hold; throws a malformed-response error when they are none. */
export function messageOfBody(backend: string, body: Uint8Array): Anthropic.Messages.Message {
  const message = parseUpstreamJson(backend, decoder.decode(body)) as Anthropic.Messages.Message | null;
  if (!Array.isArray(message?.content)) throw malformedResponseError(backend, message);
  return message;
}

/** Events the relay reads, by name; the content events only for the normalized parts. */
const accountingEvents = new Set(['message_start', 'message_delta', 'error']);
const contentEvents = new Set(['content_block_start', 'content_block_delta']);

/**
 * Reads a relayed stream: per network read one `relay-bytes` part with the whole events of that read (the
 * read's own bytes when it ended on an event boundary), then the parts derived from them. Updates `reading`
 * like `partsOfAnthropicEvent`; the caller checks `reading.finished` and yields `finish`.
 */
export async function* relayAnthropicStream(
  backend: string,
  source: AsyncIterable<Uint8Array | string>,
  relay: RelayRequest,
  reading: AnthropicStreamReading,
): AsyncGenerator<ChatStreamPart> {
  const wantParts = relay.parts === true;
  /** Content events' data kept while no usage came: the parts are then derived at the end. */
  let retained: string[] | undefined = wantParts ? undefined : [];

  /** Reads one event; the parts it yields go to `out`. Throws for an error event or malformed JSON. */
  const read = (event: RawSseEvent, out: ChatStreamPart[]): void => {
    let name = event.event;
    if (name === 'message_stop') {
      reading.finished = true;
      return;
    }
    if (name === '' && event.data !== '') {
      // An unnamed event: its JSON says what it is.
      const data = parseUpstreamJson(backend, event.data) as { type?: unknown; error?: unknown } | null;
      if (data?.error !== undefined) throw eventReportedError(backend, data);
      name = typeof data?.type === 'string' ? data.type : '';
      if (name === 'message_stop') reading.finished = true;
      else if (accountingEvents.has(name) || (wantParts && contentEvents.has(name)))
        out.push(...partsOfAnthropicEvent(data as { type: string }, reading));
      else if (retained && contentEvents.has(name)) retained.push(event.data);
      return;
    }
    if (name === 'error') throw eventReportedError(backend, parseUpstreamJson(backend, event.data));
    if (accountingEvents.has(name)) {
      out.push(...partsOfAnthropicEvent(parseUpstreamJson(backend, event.data) as { type: string }, reading));
      // Usage came: the gateway counts nothing itself, so the content need not be kept.
      if (retained && Object.keys(reading.usage).length > 0) retained = undefined;
    } else if (contentEvents.has(name)) {
      if (wantParts)
        out.push(
          ...partsOfAnthropicEvent(parseUpstreamJson(backend, event.data) as { type: string }, reading),
        );
      else retained?.push(event.data);
    }
    // ping, content_block_stop and event types added later: relayed, not read.
  };

  const rest = yield* relaySseReads(backend, anthropicRelayWire, source, (event, out) => {
    read(event, out);
    return true;
  });
  // What is left has no blank line after it: not an event. It goes on only behind a whole answer.
  if (rest !== '' && reading.finished) yield { type: 'relay-bytes', wire: anthropicRelayWire, bytes: rest };
  if (retained && retained.length > 0 && Object.keys(reading.usage).length === 0) {
    // No usage at all: the content parts let the gateway count the answer.
    for (const data of retained)
      yield* partsOfAnthropicEvent(parseUpstreamJson(backend, data) as { type: string }, reading);
  }
}
