import type { ChatRequest, ChatResult, ChatStreamPart, NativeWire, RelayWire, TuningParam } from './chat.js';
import type { EmbeddingsRequest, EmbeddingsResult } from './embeddings.js';
import type { Logger } from './logger.js';
import type { PluginDefinition, PluginHost } from './plugin.js';

/** Per-call context a backend gets: abort it when the signal fires, log through `log`. */
export interface CallContext {
  signal: AbortSignal;
  requestId: string;
  log: Logger;
  /** Absolute deadline (ms since epoch) after which the call should give up. */
  deadline?: number;
  /** Headers to forward on the upstream request: W3C trace context (`traceparent`) when tracing is on. */
  headers?: Readonly<Record<string, string>>;
}

export interface Backend {
  /** Instance name from the profile, e.g. `openai`, `groq`. */
  readonly name: string;
  /** Model ids this backend serves (from its config; may also ask the upstream). */
  models(): Promise<string[]>;
  /** The tuning parameters this backend honours; the pipeline drops the others (absent: none). */
  readonly tuning?: readonly TuningParam[];
  /** The wires whose `ChatRequest.native` body this backend can send as it is (absent: none). */
  readonly nativeWires?: readonly NativeWire[];
  /** The wires whose answers this backend can relay byte for byte (`ChatRequest.relay`; absent: none). */
  readonly relayWires?: readonly RelayWire[];
  chat(request: ChatRequest, call: CallContext): Promise<ChatResult>;
  /** Parts in order; the last one is `finish`. Throws a GatewayError on failure. */
  stream(request: ChatRequest, call: CallContext): AsyncIterable<ChatStreamPart>;
  /** Embeddings (OpenAI's Embeddings API); absent when the upstream offers none. Vectors as floats. */
  embed?(request: EmbeddingsRequest, call: CallContext): Promise<EmbeddingsResult>;
  close?(): Promise<void>;
}

export type BackendPlugin<Config = unknown> = PluginDefinition<'backend', Config, Backend, PluginHost>;
