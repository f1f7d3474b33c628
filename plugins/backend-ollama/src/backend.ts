import { randomUUID } from 'node:crypto';
import {
  abortedCallError,
  type CallGuard,
  guardCall,
  streamTruncatedError,
} from '@llm-gateway/openai-compatible';
import { rejectUnsupported } from '@llm-gateway/plugin-kit';
import {
  type Backend,
  type CallContext,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  type EmbeddingsRequest,
  type EmbeddingsResult,
  type FinishReason,
  type GatewayError,
  isGatewayError,
  type Usage,
  upstreamTimeoutError,
} from '@llm-gateway/spec';
import { Ollama } from 'ollama';
import { fromOllamaEmbed, toOllamaEmbedRequest } from './embeddings-wire.js';
import { mapOllamaError } from './errors.js';
import { ollamaFetch } from './fetch.js';
import {
  fromOllamaAnswer,
  fromOllamaToolCall,
  mapOllamaDoneReason,
  mapOllamaUsage,
  type OllamaChatAnswer,
  ollamaUnsupported,
  toOllamaRequest,
} from './wire.js';

export interface OllamaBackendOptions {
  name: string;
  host: string;
  models: readonly string[];
  /** Longest wait for the response headers (a cold model load counts). */
  timeoutMs?: number;
}

/** One call's client and what its fetch saw: the library's own API takes no per-call signal. */
interface OllamaCall {
  client: Ollama;
  guard: CallGuard;
  /** True when `timeoutMs` passed before the response headers arrived. */
  headersTimedOut(): boolean;
  retryAfter(): string | undefined;
}

/** The library's headers (a plain record) plus the host's extra ones (trace context). */
function withHeaders(
  base: RequestInit['headers'],
  extra: Readonly<Record<string, string>>,
): RequestInit['headers'] {
  if (base === undefined || (typeof base === 'object' && base.constructor === Object))
    return { ...(base as Record<string, string> | undefined), ...extra };
  const headers = new Headers(base);
  for (const name in extra) headers.set(name, extra[name]!);
  return headers;
}

function startCall(options: OllamaBackendOptions, call: CallContext): OllamaCall {
  const guard = guardCall(call);
  let headersTimedOut = false;
  let retryAfter: string | undefined;
  // A dedicated instance per call, so aborting this call's fetch never touches concurrent ones.
  const callFetch: typeof fetch = async (input, init) => {
    const headerTimeout = new AbortController();
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            headersTimedOut = true;
            headerTimeout.abort(new DOMException('No response headers in time', 'TimeoutError'));
          }, options.timeoutMs);
    const signals = [guard.signal, headerTimeout.signal];
    if (init?.signal) signals.push(init.signal);
    try {
      const headers = call.headers ? withHeaders(init?.headers, call.headers) : init?.headers;
      const response = await ollamaFetch(input, {
        ...init,
        ...(headers ? { headers } : {}),
        signal: AbortSignal.any(signals),
      });
      retryAfter = response.headers.get('retry-after') ?? undefined;
      return response;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    client: new Ollama({ host: options.host, fetch: callFetch }),
    guard,
    headersTimedOut: () => headersTimedOut,
    retryAfter: () => retryAfter,
  };
}

function toError(name: string, error: unknown, call: OllamaCall): GatewayError {
  if (isGatewayError(error)) return error;
  const aborted = abortedCallError(name, call.guard, error);
  if (aborted) return aborted;
  if (call.headersTimedOut()) return upstreamTimeoutError(name, error);
  return mapOllamaError(name, error, call.retryAfter());
}

export function createOllamaBackend(options: OllamaBackendOptions): Backend {
  const { name } = options;
  const models = [...options.models];
  return {
    name,
    async models() {
      return [...models];
    },

    async chat(request: ChatRequest, context: CallContext): Promise<ChatResult> {
      const call = startCall(options, context);
      try {
        if (call.guard.signal.aborted) throw call.guard.signal.reason;
        rejectUnsupported(name, request, ollamaUnsupported);
        const answer: OllamaChatAnswer = await call.client.chat({
          ...toOllamaRequest(request),
          stream: false,
        });
        return fromOllamaAnswer(answer, request.model, `chatcmpl-${randomUUID()}`);
      } catch (error) {
        throw toError(name, error, call);
      } finally {
        call.guard.dispose();
      }
    },

    async embed(request: EmbeddingsRequest, context: CallContext): Promise<EmbeddingsResult> {
      const body = toOllamaEmbedRequest(name, request);
      const call = startCall(options, context);
      try {
        if (call.guard.signal.aborted) throw call.guard.signal.reason;
        return fromOllamaEmbed(await call.client.embed(body), request.model);
      } catch (error) {
        throw toError(name, error, call);
      } finally {
        call.guard.dispose();
      }
    },

    async *stream(request: ChatRequest, context: CallContext): AsyncGenerator<ChatStreamPart> {
      const call = startCall(options, context);
      let finishReason: FinishReason | undefined;
      let usage: Usage | undefined;
      try {
        if (call.guard.signal.aborted) throw call.guard.signal.reason;
        rejectUnsupported(name, request, ollamaUnsupported);
        const messages = await call.client.chat({ ...toOllamaRequest(request), stream: true });
        let calls = 0;
        for await (const message of messages) {
          const text = message.message?.content;
          if (text) yield { type: 'text-delta', text };
          // Ollama sends each call whole, so each becomes one complete delta.
          for (const wire of message.message?.tool_calls ?? []) {
            const call = fromOllamaToolCall(wire);
            const { name, arguments: args } = call.function;
            yield { type: 'tool-call-delta', index: calls++, id: call.id, name, arguments: args };
          }
          if (message.done) {
            finishReason = calls > 0 ? 'tool_calls' : mapOllamaDoneReason(message.done_reason);
            usage = mapOllamaUsage(message);
          }
        }
        if (call.guard.signal.aborted) throw call.guard.signal.reason;
        if (finishReason === undefined) {
          throw streamTruncatedError(name);
        }
      } catch (error) {
        throw toError(name, error, call);
      } finally {
        // Stops the upstream request when the consumer leaves early (a read-out answer has nothing to stop).
        if (finishReason === undefined) call.guard.abort();
        call.guard.dispose();
      }
      yield usage === undefined ? { type: 'finish', finishReason } : { type: 'finish', finishReason, usage };
    },
  };
}
