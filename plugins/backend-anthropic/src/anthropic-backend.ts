/** Claude as a Backend through the official @anthropic-ai/sdk: normalized requests, or the client's own Messages body. */
import type Anthropic from '@anthropic-ai/sdk';
import {
  abortedCallError,
  type CallGuard,
  guardCall,
  malformedResponseError,
  readChunks,
  streamTruncatedError,
} from '@llm-gateway/openai-compatible';
import type {
  Backend,
  CallContext,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  GatewayError,
  NativeWire,
  RelayWire,
  TuningParam,
} from '@llm-gateway/spec';
import { mapAnthropicError } from './anthropic-errors.js';
import { anthropicNative, anthropicWire, nativeAnthropicBody } from './anthropic-native.js';
import {
  anthropicRelay,
  anthropicRelayWire,
  messageOfBody,
  relayAnthropicStream,
} from './anthropic-relay.js';
import {
  type AnthropicStreamEvent,
  finishOfAnthropicReading,
  partsOfAnthropicEvent,
  startAnthropicReading,
} from './anthropic-stream.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';
import { fromAnthropicMessage } from './from-anthropic-message.js';

export interface AnthropicBackendOptions {
  /** Instance name, used in errors and logs. */
  name: string;
  client: Anthropic;
  models: readonly string[];
  /** `max_tokens` for a request that sets none (Anthropic requires one). */
  defaultMaxTokens: number;
}

const tuning: readonly TuningParam[] = ['thinkingBudgetTokens', 'serviceTier'];
const nativeWires: readonly NativeWire[] = [anthropicWire];
const relayWires: readonly RelayWire[] = [anthropicRelayWire];

/** The Messages body for this call: the native one as it came, or the normalized request converted. */
function bodyFor(
  options: AnthropicBackendOptions,
  request: ChatRequest,
  stream: boolean,
): Record<string, unknown> {
  const native = anthropicNative(request);
  if (native) return nativeAnthropicBody(native, request.model, stream);
  const body = convertToAnthropicRequest(options.name, request, options);
  return stream ? { ...body, stream: true } : { ...body };
}

function requestOptions(guard: CallGuard, call: CallContext) {
  // Extra headers (trace context) only when the host gives some: the SDK merges them per request.
  return call.headers ? { signal: guard.signal, headers: call.headers } : { signal: guard.signal };
}

export function createAnthropicBackend(options: AnthropicBackendOptions): Backend {
  const { name, client } = options;
  const models = [...options.models];

  const toError = (error: unknown, guard: CallGuard): GatewayError =>
    abortedCallError(name, guard, error) ?? mapAnthropicError(name, error);

  return {
    name,
    tuning,
    nativeWires,
    relayWires,
    async models() {
      return [...models];
    },

    async chat(request: ChatRequest, call: CallContext): Promise<ChatResult> {
      const guard = guardCall(call);
      try {
        if (guard.signal.aborted) throw guard.signal.reason;
        const body = bodyFor(options, request, false);
        const pending = client.messages.create(
          body as unknown as Anthropic.Messages.MessageCreateParamsNonStreaming,
          requestOptions(guard, call),
        );
        let message: Anthropic.Messages.Message;
        let relayed: Uint8Array | undefined;
        if (anthropicRelay(request)) {
          // The SDK still sends the request and maps error statuses; the body is kept as it came.
          const response = await pending.asResponse();
          relayed = new Uint8Array(await response.arrayBuffer());
          message = messageOfBody(name, relayed);
        } else {
          message = await pending;
          if (!Array.isArray(message?.content)) throw malformedResponseError(name, message);
        }
        const result = fromAnthropicMessage(message);
        if (anthropicNative(request)) {
          result.native = { wire: anthropicWire, body: message as unknown as Record<string, unknown> };
        }
        if (relayed) result.relay = { wire: anthropicRelayWire, body: relayed };
        return result;
      } catch (error) {
        throw toError(error, guard);
      } finally {
        guard.dispose();
      }
    },

    async *stream(request: ChatRequest, call: CallContext): AsyncGenerator<ChatStreamPart> {
      const guard = guardCall(call);
      const reading = startAnthropicReading();
      const relay = anthropicRelay(request);
      const native = !relay && anthropicNative(request) !== undefined;
      /** The body was read to its end: the upstream response is over, nothing to stop. */
      let drained = false;
      try {
        if (guard.signal.aborted) throw guard.signal.reason;
        const body = bodyFor(options, request, true);
        const response = await client.messages
          .create(
            body as unknown as Anthropic.Messages.MessageCreateParamsStreaming,
            requestOptions(guard, call),
          )
          .asResponse();
        if (!response.body) throw malformedResponseError(name, 'no response body');
        const source = response.body as unknown as AsyncIterable<Uint8Array>;
        if (relay) {
          // The bytes as they came, for a surface of the same wire; only accounting reads them.
          yield* relayAnthropicStream(name, source, relay, reading);
        } else {
          for await (const batch of readChunks(name, source)) {
            for (const chunk of batch) {
              const event = chunk as unknown as AnthropicStreamEvent;
              // The event as it came goes first, so a surface of the same wire relays it before anything else.
              if (native) yield { type: 'native-event', wire: anthropicWire, event: { ...event } };
              yield* partsOfAnthropicEvent(event, reading);
            }
          }
        }
        drained = true;
        // The read ends quietly when the signal fires, so check it here.
        if (guard.signal.aborted) throw guard.signal.reason;
        if (!reading.finished) throw streamTruncatedError(name);
      } catch (error) {
        throw toError(error, guard);
      } finally {
        if (!drained) guard.abort();
        guard.dispose();
      }
      yield { type: 'finish', ...finishOfAnthropicReading(reading) };
    },
  };
}
