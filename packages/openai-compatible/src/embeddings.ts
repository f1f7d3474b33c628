/** Embeddings over an OpenAI-compatible SDK client (`client.embeddings.create`). */
import {
  type CallContext,
  type EmbeddingsRequest,
  type EmbeddingsResult,
  GatewayError,
} from '@llm-gateway/spec';
import { type CallGuard, guardCall } from './call.js';
import { decodeEmbedding } from './decode-embedding.js';
import { mapOpenAICompatibleUsage, type OpenAICompatibleUsage } from './wire.js';

/** The part of an SDK client that creates embeddings; `body` is `never` as each SDK types its own. */
export interface OpenAICompatibleEmbeddingsClient {
  embeddings: {
    create(
      body: never,
      options: { signal: AbortSignal; headers?: Readonly<Record<string, string>> },
    ): PromiseLike<unknown>;
  };
}

interface WireEmbeddingsResponse {
  model?: string;
  data?: { index?: number; embedding?: unknown }[];
  usage?: OpenAICompatibleUsage | null;
}

/**
 * The upstream body. base64 is a quarter of the bytes; asked for explicitly, the SDK hands the answer over
 * undecoded, so an upstream that sends floats anyway is read right (the SDK would decode them as base64).
 */
function toBody(request: EmbeddingsRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    input: request.input,
    encoding_format: 'base64',
  };
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  if (request.user !== undefined) body.user = request.user;
  return body;
}

function fromResponse(name: string, response: unknown, requestedModel: string): EmbeddingsResult {
  const wire = (typeof response === 'object' && response !== null ? response : {}) as WireEmbeddingsResponse;
  if (!Array.isArray(wire.data)) {
    throw new GatewayError('upstream_error', `${name} upstream sent a malformed embeddings response`, {
      backend: name,
      code: 'upstream_bad_response',
    });
  }
  const data = wire.data.map((item, position) => {
    const embedding = decodeEmbedding(item?.embedding);
    if (embedding === undefined) {
      throw new GatewayError(
        'upstream_error',
        `${name} upstream sent an embedding that is neither base64 float32 nor an array of numbers`,
        { backend: name, code: 'upstream_bad_response' },
      );
    }
    return { index: typeof item.index === 'number' ? item.index : position, embedding };
  });
  const usage = mapOpenAICompatibleUsage(wire.usage) ?? {
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
  };
  return { model: wire.model ?? requestedModel, data, usage: { ...usage, completionTokens: 0 } };
}

/** A Backend `embed` method over the client; `toError` maps SDK failures like the backend's chat does. */
export function openAICompatibleEmbed(
  name: string,
  client: OpenAICompatibleEmbeddingsClient,
  toError: (error: unknown, guard: CallGuard) => GatewayError,
): (request: EmbeddingsRequest, call: CallContext) => Promise<EmbeddingsResult> {
  return async (request, call) => {
    const guard = guardCall(call);
    try {
      if (guard.signal.aborted) throw guard.signal.reason;
      // Extra headers (trace context) only when the host gives some, as for chat.
      const options = call.headers
        ? { signal: guard.signal, headers: call.headers }
        : { signal: guard.signal };
      const response = await client.embeddings.create(toBody(request) as never, options);
      return fromResponse(name, response, request.model);
    } catch (error) {
      throw toError(error, guard);
    } finally {
      guard.dispose();
    }
  };
}
