/** Deterministic embeddings for the simulators: OpenAI's `/v1/embeddings` and Ollama's `/api/embed`. */
import { createHash } from 'node:crypto';
import { countTokens } from './reply.js';
import type { Exchange } from './simulator.js';

/** Length of a simulated vector when the request names no `dimensions`. */
export const defaultEmbeddingDimensions = 8;

/**
 * The simulated vector of one input: unit length, the same for the same text (or token array) and
 * dimensions, different for different ones, so tests can check order and identity.
 */
export function simulatedEmbedding(
  input: string | readonly number[],
  dimensions = defaultEmbeddingDimensions,
): number[] {
  const text = typeof input === 'string' ? input : `tokens:${input.join(',')}`;
  const raw: number[] = [];
  for (let block = 0; raw.length < dimensions; block += 1) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (let offset = 0; offset + 2 <= digest.length && raw.length < dimensions; offset += 2)
      raw.push(digest.readUInt16BE(offset) / 32_767.5 - 1);
  }
  const norm = Math.hypot(...raw) || 1;
  // Rounded through float32, as upstreams store them, so a base64 round trip is exact.
  return raw.map((value) => Math.fround(value / norm));
}

/** One text, a list of texts, one token array or a list of them; undefined for anything else. */
function inputsOf(input: unknown): (string | number[])[] | undefined {
  const isTokens = (value: unknown): value is number[] =>
    Array.isArray(value) && value.length > 0 && value.every((item) => Number.isInteger(item));
  if (typeof input === 'string') return [input];
  if (isTokens(input)) return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === 'string') || input.every(isTokens))
    return input as (string | number[])[];
  return undefined;
}

/** The widest simulated model (text-embedding-3-large): more dimensions are refused, as upstream. */
export const maxEmbeddingDimensions = 3072;

function dimensionsOf(value: unknown): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  const valid =
    Number.isInteger(value) && (value as number) > 0 && (value as number) <= maxEmbeddingDimensions;
  return valid ? (value as number) : null;
}

function tokensOf(inputs: (string | number[])[]): number {
  return inputs.reduce(
    (sum, input) => sum + (typeof input === 'string' ? countTokens(input) : input.length),
    0,
  );
}

function openAIInvalid(exchange: Exchange, message: string, param: string | null): void {
  exchange.sendJson(400, { error: { message, type: 'invalid_request_error', param, code: null } });
}

/**
 * `POST /v1/embeddings` in OpenAI's format; `encoding_format: base64` answers little-endian float32, unless
 * `asFloats` (an upstream that ignores the format).
 */
export function answerOpenAIEmbeddings(
  exchange: Exchange,
  models: readonly string[] | undefined,
  asFloats = false,
): void {
  const body = (typeof exchange.body === 'object' && exchange.body !== null ? exchange.body : {}) as Record<
    string,
    unknown
  >;
  if (typeof body.model !== 'string' || body.model === '') {
    openAIInvalid(exchange, 'you must provide a model parameter', 'model');
    return;
  }
  if (models && !models.includes(body.model)) {
    exchange.sendJson(404, {
      error: {
        message: `The model \`${body.model}\` does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      },
    });
    return;
  }
  const inputs = inputsOf(body.input);
  if (!inputs || inputs.some((input) => input === '')) {
    openAIInvalid(
      exchange,
      "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
      'input',
    );
    return;
  }
  const dimensions = dimensionsOf(body.dimensions);
  if (dimensions === null) {
    openAIInvalid(
      exchange,
      "Invalid 'dimensions': must be a positive integer of at most 3072.",
      'dimensions',
    );
    return;
  }
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    openAIInvalid(
      exchange,
      "Invalid value for 'encoding_format': expected 'float' or 'base64'.",
      'encoding_format',
    );
    return;
  }
  const data = inputs.map((input, index) => {
    const vector = simulatedEmbedding(input, dimensions);
    const floats = Float32Array.from(vector);
    const embedding =
      format === 'base64' && !asFloats ? Buffer.from(floats.buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  const tokens = tokensOf(inputs);
  exchange.sendJson(200, {
    object: 'list',
    data,
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

/** `POST /api/embed` in Ollama's format (texts only; Ollama takes no token arrays). */
export function answerOllamaEmbed(exchange: Exchange, models: readonly string[]): void {
  const body = (typeof exchange.body === 'object' && exchange.body !== null ? exchange.body : {}) as Record<
    string,
    unknown
  >;
  if (typeof body.model !== 'string' || body.model === '') {
    exchange.sendJson(400, { error: 'model is required' });
    return;
  }
  const tagged = (name: string) => (name.includes(':') ? name : `${name}:latest`);
  const model = tagged(body.model);
  if (!models.some((known) => tagged(known) === model)) {
    exchange.sendJson(404, { error: `model "${body.model}" not found, try pulling it first` });
    return;
  }
  const inputs = inputsOf(body.input);
  if (!inputs || inputs.some((input) => typeof input !== 'string')) {
    exchange.sendJson(400, { error: 'invalid input type' });
    return;
  }
  const dimensions = dimensionsOf(body.dimensions);
  if (dimensions === null) {
    exchange.sendJson(400, { error: 'dimensions must be a positive integer of at most 3072' });
    return;
  }
  const tokens = tokensOf(inputs);
  const loadDuration = 1_000_000;
  exchange.sendJson(200, {
    model,
    embeddings: inputs.map((input) => simulatedEmbedding(input, dimensions)),
    total_duration: loadDuration + 2_000_000 * Math.max(1, tokens),
    load_duration: loadDuration,
    prompt_eval_count: tokens,
  });
}
