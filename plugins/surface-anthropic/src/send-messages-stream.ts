import { logRequestFailure, type SseWriter, startSseReply } from '@llm-gateway/plugin-kit';
import type { FastifyReply, RequestContext, StreamOutcome } from '@llm-gateway/spec';
import { renderError } from './anthropic-errors.js';
import { MessagesStreamEncoder, type StreamEvent } from './messages-stream.js';

async function write(sse: SseWriter, events: readonly StreamEvent[]): Promise<boolean> {
  for (const { event, data } of events) if (!(await sse.event(event, JSON.stringify(data)))) return false;
  return true;
}

/**
 * Sends an opened stream as Anthropic's server-sent events: the upstream's bytes when the backend relays
 * them, else the encoded parts. Never throws: once bytes are out, a failure becomes an `error` event
 * (Anthropic's mid-stream error) and the stream ends.
 */
export async function sendMessagesStream(
  reply: FastifyReply,
  outcome: StreamOutcome,
  context: RequestContext,
): Promise<void> {
  const sse = startSseReply(reply);
  const encoder = new MessagesStreamEncoder(outcome.meta);
  try {
    for await (const part of outcome.parts) {
      // Leaving the loop returns the iterator, which closes the upstream stream.
      if (part.type === 'relay-bytes') {
        // The upstream's own events, as they came.
        if (encoder.relays(part) && !(await sse.relay(part.bytes))) return;
      } else if (!(await write(sse, encoder.part(part)))) return;
      if (context.signal.aborted) return;
    }
    await write(sse, encoder.end(context.annotations.usage));
  } catch (error) {
    const rendered = renderError(error, context.requestId);
    context.annotations.errorType ??= rendered.gatewayType;
    if (rendered.status >= 500) logRequestFailure(context.log, error, 'stream failed after it started');
    await sse.event('error', JSON.stringify(rendered.body));
  } finally {
    sse.end();
  }
}
