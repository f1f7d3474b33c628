import {
  type EmbeddingsRequest,
  type EmbeddingsResult,
  embeddingsInputs,
  GatewayError,
} from '@llm-gateway/spec';
import type { EmbedRequest, EmbedResponse } from 'ollama';

/** The `/api/embed` request; Ollama embeds texts only, so token arrays get a 400 naming `input`. */
export function toOllamaEmbedRequest(backend: string, request: EmbeddingsRequest): EmbedRequest {
  const inputs = embeddingsInputs(request.input);
  const texts = inputs.filter((input): input is string => typeof input === 'string');
  if (texts.length !== inputs.length) {
    throw new GatewayError(
      'invalid_request',
      `The backend '${backend}' (Ollama) embeds text only; 'input' must be a string or a list of strings, not token arrays.`,
      { code: 'unsupported_input', param: 'input', backend },
    );
  }
  const body: EmbedRequest = {
    model: request.model,
    input: typeof request.input === 'string' ? request.input : texts,
  };
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  return body;
}

/** OpenAI's shape from Ollama's answer: one vector per input, prompt_eval_count as the prompt tokens. */
export function fromOllamaEmbed(response: EmbedResponse, requestedModel: string): EmbeddingsResult {
  const promptTokens = typeof response.prompt_eval_count === 'number' ? response.prompt_eval_count : 0;
  return {
    model: response.model || requestedModel,
    data: response.embeddings.map((embedding, index) => ({ index, embedding })),
    usage: { promptTokens, completionTokens: 0, totalTokens: promptTokens },
  };
}
