import type {
  Backend,
  CallContext,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  EmbeddingsRequest,
  EmbeddingsResult,
  Logger,
  RequestContext,
} from '@llm-gateway/spec';
import { requestForBackend } from './drop-tuning.js';
import type { GatewayMetrics } from './metrics.js';
import type { ResolvedTarget } from './router.js';
import { CallSignal, classifyCallError, raceSignal, SignalRace } from './signals.js';
import { addUpstreamTime } from './upstream-time.js';

/** One attempt at one target: what every stage around the backend call sees. */
export interface Attempt<Request = ChatRequest> {
  target: ResolvedTarget;
  backend: Backend;
  /** The request as the backend receives it (`model` is the target's model id). */
  request: Request;
  context: RequestContext;
  /** Trace-context headers for the upstream (set by the tracing wrapper when tracing is on). */
  traceHeaders?: Record<string, string>;
}

/** A stream whose first part has arrived: failures before the first byte are thrown by `openStream`. */
export interface OpenedStream {
  /** First part and the rest, in order; errors are GatewayErrors. Stopping early aborts the upstream. */
  parts: AsyncIterable<ChatStreamPart>;
  /** Milliseconds from the call's start to its first part. */
  timeToFirstPartMs: number;
}

/**
 * The seam around a single backend call. Later stages are wrappers with the same shape, composed
 * outside in: rate limit -> cache -> fallback over targets -> concurrency -> circuit breaker
 * (per backend) -> retry -> this call. Each attempt gets its own timeout.
 */
export type CallTarget = (attempt: Attempt) => Promise<ChatResult>;
export type OpenTarget = (attempt: Attempt) => Promise<OpenedStream>;
export type EmbedTarget = (attempt: Attempt<EmbeddingsRequest>) => Promise<EmbeddingsResult>;

export interface CallTargetOptions {
  /** Chat: limit on the whole call. Stream: limit on the wait for the first part and between parts. */
  timeoutMs: number;
  metrics?: GatewayMetrics;
}

function callContext(attempt: Attempt<unknown>, signal: AbortSignal, deadline?: number): CallContext {
  let log: Logger | undefined;
  const context: CallContext = {
    signal,
    requestId: attempt.context.requestId,
    // A child logger per call is costly and backends rarely log: made on first use.
    get log() {
      log ??= attempt.context.log.child({ backend: attempt.target.backend });
      return log;
    },
  };
  if (deadline !== undefined) context.deadline = deadline;
  if (attempt.traceHeaders) context.headers = attempt.traceHeaders;
  return context;
}

function recordUpstream(
  options: CallTargetOptions,
  backend: string,
  outcome: string,
  startedAt: number,
): void {
  if (!options.metrics) return;
  options.metrics.upstreamRequests.inc({ backend, outcome });
  options.metrics.upstreamDuration.observe({ backend }, (performance.now() - startedAt) / 1000);
}

/** Calls one backend operation under the client's signal and a per-call timeout. */
function createInvokeTarget<Request, Result>(
  options: CallTargetOptions,
  invoke: (backend: Backend, request: Request, call: CallContext) => Promise<Result>,
): (attempt: Attempt<Request>) => Promise<Result> {
  return async (attempt) => {
    const name = attempt.target.backend;
    const clientSignal = attempt.context.signal;
    const call = new CallSignal(clientSignal, options.timeoutMs);
    const { signal } = call;
    const startedAt = performance.now();
    try {
      const context = callContext(attempt, signal, Date.now() + options.timeoutMs);
      const result = await raceSignal(invoke(attempt.backend, attempt.request, context), signal);
      recordUpstream(options, name, 'success', startedAt);
      return result;
    } catch (error) {
      const failure = classifyCallError(error, name, clientSignal, { aborted: call.timedOut });
      recordUpstream(options, name, failure.type, startedAt);
      throw failure;
    } finally {
      call.dispose();
      addUpstreamTime(attempt.context, performance.now() - startedAt);
    }
  };
}

/** Calls `backend.chat` under the client's signal and a per-call timeout. */
export function createCallTarget(options: CallTargetOptions): CallTarget {
  const invoke = createInvokeTarget(options, (backend, request: ChatRequest, call) =>
    backend.chat(request, call),
  );
  return (attempt) =>
    invoke({
      ...attempt,
      request: requestForBackend(attempt.request, attempt.backend, attempt.context.annotations),
    });
}

/** Calls `backend.embed` like a chat; the embed stage only hands out backends that have it. */
export function createEmbedTarget(options: CallTargetOptions): EmbedTarget {
  return createInvokeTarget(options, (backend, request: EmbeddingsRequest, call) => {
    if (!backend.embed) throw new Error(`backend ${backend.name} has no embeddings`);
    return backend.embed(request, call);
  });
}

/** Opens `backend.stream` and resolves once its first part is in (or the stream ended empty). */
export function createOpenTarget(options: CallTargetOptions): OpenTarget {
  return async (attempt) => {
    const name = attempt.target.backend;
    const clientSignal = attempt.context.signal;
    // Its timer is the idle timeout: to the first part, then between parts.
    const idle = new CallSignal(clientSignal, options.timeoutMs);
    const { signal } = idle;
    const startedAt = performance.now();
    const race = new SignalRace(signal);
    const dispose = () => {
      idle.dispose();
      race.dispose();
    };
    const fail = (error: unknown) => {
      dispose();
      const failure = classifyCallError(error, name, clientSignal, { aborted: idle.timedOut });
      recordUpstream(options, name, failure.type, startedAt);
      return failure;
    };

    let iterator: AsyncIterator<ChatStreamPart>;
    let first: IteratorResult<ChatStreamPart>;
    try {
      const request = requestForBackend(attempt.request, attempt.backend, attempt.context.annotations);
      iterator = attempt.backend.stream(request, callContext(attempt, signal))[Symbol.asyncIterator]();
      first = await race.next(iterator.next());
    } catch (error) {
      addUpstreamTime(attempt.context, performance.now() - startedAt);
      throw fail(error);
    }
    const timeToFirstPartMs = performance.now() - startedAt;
    addUpstreamTime(attempt.context, timeToFirstPartMs);

    async function* relay(): AsyncGenerator<ChatStreamPart> {
      let ended = false;
      try {
        let next = first;
        while (!next.done) {
          yield next.value;
          idle.reset();
          try {
            next = await race.next(iterator.next());
          } catch (error) {
            ended = true;
            throw fail(error);
          }
        }
        ended = true;
        dispose();
        recordUpstream(options, name, 'success', startedAt);
      } finally {
        if (!ended) {
          // The consumer stopped early (the client is gone or the surface gave up): free the upstream connection.
          idle.abort(new DOMException('The consumer stopped reading', 'AbortError'));
          race.dispose();
          recordUpstream(options, name, 'cancelled', startedAt);
          iterator.return?.().catch(() => {});
        }
      }
    }

    if (first.done) dispose();
    return { parts: relay(), timeToFirstPartMs };
  };
}
