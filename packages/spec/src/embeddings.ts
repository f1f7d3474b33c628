/** Normalized embeddings types (OpenAI's Embeddings API): the surface translates into these, backends out of them. */
import type { Usage } from './chat.js';

/** One text, several texts, one token array or several token arrays, as OpenAI accepts them. */
export type EmbeddingsInput = string | string[] | number[] | number[][];

export interface EmbeddingsRequest {
  /** The model id the backend receives, after routing (or the requested id before it). */
  model: string;
  input: EmbeddingsInput;
  /** Fewer dimensions than the model's own (models that support it). */
  dimensions?: number;
  /**
   * What the client wants on the wire. Backends always return floats; the surface encodes base64
   * itself, so a backend may ignore this.
   */
  encodingFormat?: 'float' | 'base64';
  /** End-user id forwarded to providers that accept one. */
  user?: string;
}

export interface Embedding {
  /** Position of the input this vector belongs to. */
  index: number;
  embedding: number[];
}

export interface EmbeddingsResult {
  /** The model id the upstream reports having used. */
  model: string;
  /** One vector per input, in input order. */
  data: Embedding[];
  /** Embeddings consume prompt tokens only: `completionTokens` is 0. */
  usage: Usage;
}

/** The inputs of a request as a list (a lone string or token array is one input). */
export function embeddingsInputs(input: EmbeddingsInput): (string | number[])[] {
  if (typeof input === 'string') return [input];
  if (input.length > 0 && input.every((item) => typeof item === 'number')) return [input as number[]];
  return input as (string | number[])[];
}

/** OpenAI's `encoding_format: base64`: the vector's float32 values, little-endian, base64-encoded. */
export function embeddingToBase64(vector: readonly number[]): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}
