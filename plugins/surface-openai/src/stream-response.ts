import { logRequestFailure, startSseReply } from '@llm-gateway/plugin-kit';
import type { FastifyReply, RequestContext, StreamOutcome, Usage } from '@llm-gateway/spec';
import { renderError } from './openai-errors.js';
import { type ChunkFormat, wireFinishReason, wireUsage } from './translate-response.js';
import type { WireFinishReason } from './wire.js';

/**
 * Sends an opened stream as OpenAI server-sent events. Never throws: once bytes are out, a failure
 * becomes a `data: {"error":...}` event and the stream ends without `[DONE]`. When the backend relays
 * (`relay-bytes` parts), its bytes are the events, `[DONE]` included, and the other parts are not written.
 */
export async function sendStream(
  reply: FastifyReply,
  outcome: StreamOutcome,
  format: ChunkFormat,
  options: { includeUsage: boolean; context: RequestContext },
): Promise<void> {
  const { context } = options;
  const sse = startSseReply(reply);
  let finishReason: WireFinishReason = 'stop';
  let usage: Usage | undefined;
  let relayed = false;
  try {
    for await (const part of outcome.parts) {
      if (part.type === 'relay-bytes') {
        relayed = part.wire === 'openai-chat';
        if (relayed && !(await sse.relay(part.bytes))) return;
        continue;
      }
      if (relayed) continue;
      if (part.type === 'finish') {
        finishReason = wireFinishReason(part.finishReason);
        usage = part.usage;
        continue;
      }
      const chunk = format.part(part);
      // Leaving the loop returns the iterator, which closes the upstream stream.
      if (chunk !== undefined && !(await sse.data(chunk))) return;
      if (context.signal.aborted) return;
    }
    if (relayed) return;
    if (!(await sse.data(format.finish(finishReason)))) return;
    if (options.includeUsage) {
      const counted = usage ?? context.annotations.usage;
      if (!(await sse.data(format.usage(wireUsage(counted, outcome.meta.cached))))) return;
    }
    await sse.data('[DONE]');
  } catch (error) {
    const rendered = renderError(error);
    context.annotations.errorType ??= rendered.gatewayType;
    if (rendered.status >= 500) logRequestFailure(context.log, error, 'stream failed after it started');
    await sse.data(JSON.stringify(rendered.body));
  } finally {
    sse.end();
  }
}
