/** `POST /v1/embeddings`: OpenAI's wire body to the normalized request and the result back. */
import {
  type CallMeta,
  type EmbeddingsInput,
  type EmbeddingsRequest,
  type EmbeddingsResult,
  embeddingToBase64,
} from '@llm-gateway/spec';

export interface WireEmbeddingsBody {
  model: string;
  input: EmbeddingsInput;
  dimensions?: number;
  encoding_format?: 'float' | 'base64';
  user?: string;
}

export function embeddingsRequestFrom(body: WireEmbeddingsBody): EmbeddingsRequest {
  const request: EmbeddingsRequest = { model: body.model.trim(), input: body.input };
  if (body.dimensions !== undefined) request.dimensions = body.dimensions;
  if (body.encoding_format !== undefined) request.encodingFormat = body.encoding_format;
  if (body.user !== undefined) request.user = body.user;
  return request;
}

/** OpenAI's response; vectors base64-encoded here when asked (what the openai SDK asks by default). */
export function embeddingsBody(
  result: EmbeddingsResult,
  meta: CallMeta,
  format: 'float' | 'base64' = 'float',
) {
  return {
    object: 'list' as const,
    data: result.data.map((item) => ({
      object: 'embedding' as const,
      index: item.index,
      embedding: format === 'base64' ? embeddingToBase64(item.embedding) : item.embedding,
    })),
    model: meta.requestedModel,
    usage: { prompt_tokens: result.usage.promptTokens, total_tokens: result.usage.totalTokens },
  };
}
