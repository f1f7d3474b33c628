import { logRequestFailure, type SseWriter, startSseReply } from '@llm-gateway/plugin-kit';
import type { FastifyReply, FinishReason, RequestContext, StreamOutcome, Usage } from '@llm-gateway/spec';
import { renderError } from '../openai-errors.js';
import type { ResponsesEvent, ResponsesStreamEncoder } from './responses-stream-encoder.js';
import type { WireResponse } from './responses-wire.js';

/** A failure as a Responses `error` object: the client-safe message the JSON answer would carry. */
export function responseError(error: unknown, context: RequestContext): { code: string; message: string } {
  const rendered = renderError(error);
  context.annotations.errorType ??= rendered.gatewayType;
  if (rendered.status >= 500)
    logRequestFailure(context.log, error, 'responses stream failed after it started');
  const code = rendered.status === 429 ? 'rate_limit_exceeded' : 'server_error';
  return { code, message: rendered.body.error.message };
}

async function sendAll(sse: SseWriter, events: readonly ResponsesEvent[]): Promise<boolean> {
  for (const event of events) if (!(await sse.event(event.type, JSON.stringify(event)))) return false;
  return true;
}

/**
 * Sends an opened stream as Responses API server-sent events (`event:` + `data:`). Never throws: a failure
 * once bytes are out becomes `response.failed`. Resolves with the final response (undefined if the client left).
 */
export async function sendResponsesStream(
  reply: FastifyReply,
  outcome: StreamOutcome,
  encoder: ResponsesStreamEncoder,
  context: RequestContext,
): Promise<WireResponse | undefined> {
  const sse = startSseReply(reply);
  let finishReason: FinishReason = 'stop';
  let usage: Usage | undefined;
  try {
    if (!(await sendAll(sse, encoder.start()))) return undefined;
    for await (const part of outcome.parts) {
      if (part.type === 'finish') {
        finishReason = part.finishReason;
        usage = part.usage;
        continue;
      }
      // Leaving the loop returns the iterator, which closes the upstream stream.
      if (!(await sendAll(sse, encoder.part(part))) || context.signal.aborted) return undefined;
    }
    const { events, response } = encoder.finish(finishReason, usage ?? context.annotations.usage);
    await sendAll(sse, events);
    return response;
  } catch (error) {
    const { event, response } = encoder.fail(responseError(error, context));
    await sendAll(sse, [event]);
    return response;
  } finally {
    sse.end();
  }
}
