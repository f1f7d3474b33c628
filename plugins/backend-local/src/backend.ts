import { randomUUID } from 'node:crypto';
import {
  type Backend,
  type CallContext,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  type EmbeddingsRequest,
  type EmbeddingsResult,
  embeddingsInputs,
  type FinishReason,
  GatewayError,
  type Usage,
} from '@llm-gateway/spec';
import { StopScanner } from './stop-scanner.js';
import { TextQueue } from './text-queue.js';
import type { GenerationDone, GenerationInput, WorkerPool } from './worker-pool.js';

export interface LocalBackendOptions {
  name: string;
  model: string;
  /** Served by `embed` (absent: the backend offers no embeddings). */
  embeddingModel?: string;
  pool: WorkerPool;
  /** Used when the request sets none (the seed's MAX_NEW_TOKENS and TEMPERATURE). */
  defaultMaxTokens: number;
  defaultTemperature: number;
}

function generationInput(request: ChatRequest, options: LocalBackendOptions): GenerationInput {
  return {
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    maxNewTokens: request.maxTokens ?? options.defaultMaxTokens,
    temperature: request.temperature ?? options.defaultTemperature,
    ...(request.topP !== undefined ? { topP: request.topP } : {}),
    stop: request.stop ?? [],
  };
}

function finishReason(
  done: GenerationDone,
  stoppedBy: string | undefined,
  maxNewTokens: number,
): FinishReason {
  if (stoppedBy !== undefined || done.endOfText) return 'stop';
  return done.completionTokens >= maxNewTokens ? 'length' : 'stop';
}

function usageOf(done: GenerationDone): Usage {
  return {
    promptTokens: done.promptTokens,
    completionTokens: done.completionTokens,
    totalTokens: done.promptTokens + done.completionTokens,
  };
}

function cancelled(name: string, signal: AbortSignal): GatewayError {
  const reason: unknown = signal.reason;
  if (reason instanceof GatewayError) return reason;
  return new GatewayError('cancelled', `${name} call was cancelled`, { backend: name });
}

/** Streams one generation: text as the worker writes it, stop sequences cut here, the worker stopped on abort. */
async function* streamGeneration(
  request: ChatRequest,
  call: CallContext,
  options: LocalBackendOptions,
): AsyncGenerator<ChatStreamPart> {
  if (call.signal.aborted) throw cancelled(options.name, call.signal);
  const input = generationInput(request, options);
  const scanner = new StopScanner(request.stop ?? []);
  const queue = new TextQueue();
  const generation = options.pool.generate(input, (text) => {
    const released = scanner.push(text);
    if (scanner.stoppedBy !== undefined) generation.stop();
    if (released !== '') queue.push(released);
  });
  let finished: GenerationDone | Error | undefined;
  generation.done.then(
    (done) => {
      finished = done;
      queue.notify();
    },
    (error: Error) => {
      finished = error;
      queue.notify();
    },
  );
  const onAbort = () => {
    generation.stop();
    queue.notify();
  };
  call.signal.addEventListener('abort', onAbort, { once: true });
  try {
    yield { type: 'response-metadata', id: `local-${randomUUID()}`, created: Math.floor(Date.now() / 1000) };
    while (true) {
      const waiting = queue.next();
      for (const text of queue.take()) yield { type: 'text-delta', text };
      if (call.signal.aborted) throw cancelled(options.name, call.signal);
      if (finished instanceof Error)
        throw new GatewayError('upstream_error', `${options.name}: ${finished.message}`, {
          backend: options.name,
        });
      if (finished !== undefined) break;
      await waiting;
    }
    const rest = scanner.flush();
    if (rest !== '') yield { type: 'text-delta', text: rest };
    const stopSequence = scanner.stoppedBy;
    yield {
      type: 'finish',
      finishReason: finishReason(finished, stopSequence, input.maxNewTokens),
      usage: usageOf(finished),
      ...(stopSequence !== undefined ? { stopSequence } : {}),
    };
  } finally {
    call.signal.removeEventListener('abort', onAbort);
    // The consumer left early (the client went away): the worker stops at its next token.
    generation.stop();
  }
}

async function embed(request: EmbeddingsRequest, options: LocalBackendOptions): Promise<EmbeddingsResult> {
  const inputs = embeddingsInputs(request.input);
  if (inputs.some((input) => typeof input !== 'string'))
    throw new GatewayError('invalid_request', 'token-array inputs are not supported by the local model', {
      param: 'input',
    });
  const { vectors, tokens } = await options.pool.embed(inputs as string[]);
  return {
    model: options.embeddingModel ?? options.model,
    data: vectors.map((embedding, index) => ({ index, embedding })),
    usage: { promptTokens: tokens, completionTokens: 0, totalTokens: tokens },
  };
}

export function createLocalBackend(options: LocalBackendOptions): Backend {
  return {
    name: options.name,
    models: async () => [...new Set([options.model, options.embeddingModel ?? options.model])],
    ...(options.embeddingModel ? { embed: (request: EmbeddingsRequest) => embed(request, options) } : {}),
    stream: (request, call) => streamGeneration(request, call, options),
    async chat(request, call): Promise<ChatResult> {
      let text = '';
      let id = '';
      let created = Math.floor(Date.now() / 1000);
      for await (const part of streamGeneration(request, call, options)) {
        if (part.type === 'response-metadata') {
          id = part.id ?? id;
          created = part.created ?? created;
        } else if (part.type === 'text-delta') text += part.text;
        else if (part.type === 'finish') {
          const result: ChatResult = {
            id,
            model: options.model,
            created,
            text,
            finishReason: part.finishReason,
            usage: part.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
          };
          if (part.stopSequence !== undefined) result.stopSequence = part.stopSequence;
          return result;
        }
      }
      throw new GatewayError('internal', `${options.name}: the generation ended without a finish`);
    },
    close: () => options.pool.close(),
  };
}
