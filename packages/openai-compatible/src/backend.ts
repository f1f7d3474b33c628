/** A Backend over any OpenAI-compatible SDK client (openai, groq-sdk), the base of every OpenAI-wire provider. */

import { type ChatFeature, rejectUnsupported } from '@llm-gateway/plugin-kit';
import {
  type Backend,
  type CallContext,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  type FinishReason,
  GatewayError,
  isGatewayError,
  type RelayRequest,
  type TuningParam,
  type Usage,
} from '@llm-gateway/spec';
import { abortedCallError, type CallGuard, guardCall } from './call.js';
import { type OpenAICompatibleEmbeddingsClient, openAICompatibleEmbed } from './embeddings.js';
import { mapOpenAICompatibleError, streamReportedError, streamTruncatedError } from './errors.js';
import { openAIChatWire, type RelayedResponse, relayCompletion, relayReading, relayStream } from './relay.js';
import { readChunks } from './sse.js';
import { type ChunkReading, partsOfChunk } from './stream.js';
import {
  fromOpenAICompatibleCompletion,
  mapOpenAICompatibleUsage,
  type OpenAICompatibleBody,
  type OpenAICompatibleChunk,
  type OpenAICompatibleCompletion,
  openAICompatibleTuning,
  toOpenAICompatibleBody,
} from './wire.js';

/**
 * The part of a Stainless-generated SDK client the backend uses. `body` is typed `never` because each
 * SDK declares its own body type; the backend sends an `OpenAICompatibleBody` and checks the answer's shape.
 */
export interface OpenAICompatibleClient {
  chat: {
    completions: {
      create(
        body: never,
        options: { signal: AbortSignal; headers?: Readonly<Record<string, string>> },
      ): PromiseLike<unknown> & { asResponse?: () => Promise<RawResponse> };
    };
  };
  embeddings?: OpenAICompatibleEmbeddingsClient['embeddings'];
}

/** The part of the SDK's raw `Response` a stream or a relayed answer is read from. */
type RawResponse = RelayedResponse;

function send(
  client: OpenAICompatibleClient,
  body: OpenAICompatibleBody,
  signal: AbortSignal,
  call: CallContext,
) {
  // Extra headers (trace context) only when the host gives some: the SDK merges them per request.
  const options = call.headers ? { signal, headers: call.headers } : { signal };
  return client.chat.completions.create(body as never, options);
}

/**
 * The upstream's chunks, a batch per network read. Stainless SDKs (openai, groq-sdk) send the request
 * and check its status, and their raw body is read by `readChunks`; any other client's own iterable
 * is used as it is, a chunk per batch.
 */
async function openChunks(
  name: string,
  sent: ReturnType<typeof send>,
): Promise<AsyncIterable<readonly OpenAICompatibleChunk[]>> {
  if (typeof sent.asResponse === 'function') {
    const response = await sent.asResponse();
    if (response.body) return readChunks(name, response.body);
  } else {
    const chunks = await sent;
    if (isAsyncIterable(chunks)) return batchesOf(chunks);
  }
  throw notStreamed(name);
}

/** The request's relay ask when it is for this wire and the client is a Stainless SDK (it has `asResponse`). */
function relayOf(request: ChatRequest, sent: ReturnType<typeof send>): RelayRequest | undefined {
  return request.relay?.wire === openAIChatWire && typeof sent.asResponse === 'function'
    ? request.relay
    : undefined;
}

function notStreamed(name: string): GatewayError {
  return new GatewayError('upstream_error', `${name} upstream did not stream`, {
    backend: name,
    code: 'upstream_bad_response',
  });
}

async function* batchesOf<T>(items: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const item of items) yield [item];
}

export interface OpenAICompatibleBackendOptions {
  /** Instance name, used in errors and logs. */
  name: string;
  client: OpenAICompatibleClient;
  models: readonly string[];
  /** Provider-specific error mapping; return undefined to fall back to the shared mapping. */
  mapError?: (error: unknown) => GatewayError | undefined;
  /** Request features the upstream lacks: a request using one gets a 400 naming the parameter. */
  unsupported?: readonly ChatFeature[];
  /** The tuning parameters the upstream honours (default: the ones Chat Completions has). */
  tuning?: readonly TuningParam[];
  /** The upstream serves `/embeddings` (OpenAI does; DeepSeek and Groq do not): the backend gets `embed`. */
  embeddings?: boolean;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<OpenAICompatibleChunk> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

export function createOpenAICompatibleBackend(options: OpenAICompatibleBackendOptions): Backend {
  const { name, client } = options;
  const models = [...options.models];
  const unsupported = options.unsupported ?? [];

  const toError = (error: unknown, guard: CallGuard): GatewayError => {
    if (isGatewayError(error)) return error;
    return (
      abortedCallError(name, guard, error) ??
      options.mapError?.(error) ??
      mapOpenAICompatibleError(name, error)
    );
  };

  const embeddings = options.embeddings ? client.embeddings : undefined;
  return {
    name,
    tuning: options.tuning ?? openAICompatibleTuning,
    relayWires: [openAIChatWire],
    ...(embeddings ? { embed: openAICompatibleEmbed(name, { embeddings }, toError) } : {}),
    async models() {
      return [...models];
    },

    async chat(request: ChatRequest, call: CallContext): Promise<ChatResult> {
      const guard = guardCall(call);
      try {
        if (guard.signal.aborted) throw guard.signal.reason;
        rejectUnsupported(name, request, unsupported);
        const body = toOpenAICompatibleBody(request, false);
        const sent = send(client, body, guard.signal, call);
        if (relayOf(request, sent))
          return await relayCompletion(name, await sent.asResponse!(), request.model);
        const completion = await sent;
        if (isAsyncIterable(completion) || typeof completion !== 'object' || completion === null) {
          throw new GatewayError('upstream_error', `${name} upstream sent a malformed response`, {
            backend: name,
            code: 'upstream_bad_response',
          });
        }
        return fromOpenAICompatibleCompletion(completion as OpenAICompatibleCompletion, request.model);
      } catch (error) {
        throw toError(error, guard);
      } finally {
        guard.dispose();
      }
    },

    async *stream(request: ChatRequest, call: CallContext): AsyncGenerator<ChatStreamPart> {
      const guard = guardCall(call);
      let finishReason: FinishReason | undefined;
      const reading: ChunkReading = { metadataSent: false };
      let usage: Usage | undefined;
      /** The SDK's iteration ran to its end: the upstream response is over, nothing to stop. */
      let drained = false;
      try {
        if (guard.signal.aborted) throw guard.signal.reason;
        rejectUnsupported(name, request, unsupported);
        const body = toOpenAICompatibleBody(request, true);
        const sent = send(client, body, guard.signal, call);
        const relay = relayOf(request, sent);
        if (relay) {
          const response = await sent.asResponse!();
          if (!response.body) throw notStreamed(name);
          const relayed = relayReading();
          yield* relayStream(name, response.body, relay, relayed);
          if (relayed.finishReason) reading.finishReason = relayed.finishReason;
          usage = relayed.usage;
        }
        const batches = relay ? [] : await openChunks(name, sent);
        for await (const batch of batches) {
          for (const chunk of batch) {
            if (chunk.x_groq?.error) {
              throw streamReportedError(name, chunk.x_groq.error);
            }
            usage = mapOpenAICompatibleUsage(chunk.usage ?? chunk.x_groq?.usage) ?? usage;
            for (const part of partsOfChunk(chunk, reading)) yield part;
          }
        }
        finishReason = reading.finishReason;
        drained = true;
        // The SDK ends the iteration quietly when its signal fires, so check it here.
        if (guard.signal.aborted) throw guard.signal.reason;
        if (finishReason === undefined) {
          throw streamTruncatedError(name);
        }
      } catch (error) {
        throw toError(error, guard);
      } finally {
        // Stops the upstream request when the consumer leaves early or it failed. Not after a clean
        // end: an abort then changes nothing but costs two DOMExceptions (stack traces) per stream.
        if (!drained) guard.abort();
        guard.dispose();
      }
      yield usage === undefined ? { type: 'finish', finishReason } : { type: 'finish', finishReason, usage };
    },
  };
}
