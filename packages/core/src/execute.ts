import type {
  Backend,
  ChatRequest,
  ChatResult,
  EmbeddingsRequest,
  EmbeddingsResult,
  RequestContext,
} from '@llm-gateway/spec';
import type { Attempt, CallTarget, EmbedTarget, OpenedStream, OpenTarget } from './call-target.js';
import type { ConcurrencyLimiter } from './limits/concurrency.js';
import type { GatewayMetrics } from './metrics.js';
import type { BreakerRegistry } from './resilience/circuit-breaker.js';
import { planTargets, runFallback } from './resilience/fallback.js';
import { type RetryOptions, retriesOf, withRetry } from './resilience/retry.js';
import type { ResolvedTarget, RouteStrategy } from './router.js';

/** What an execution produced, and where: the target that answered and how it got there. */
export interface Executed<T> {
  value: T;
  target: ResolvedTarget;
  /** Retries over every target tried. */
  retries: number;
  /** True when a target other than the first answered. */
  fallback: boolean;
}

/** Retry settings of the pipeline; the signal and callbacks are per request. */
export type RetrySettings = Pick<
  RetryOptions,
  'attempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs' | 'random'
>;

/**
 * The stages around each target call, outside in: fallback over the targets -> concurrency slot ->
 * circuit breaker (per backend) -> retry -> the call (with its own timeout). Each one is optional.
 */
export interface ExecuteStages {
  backends: ReadonlyMap<string, Backend>;
  callTarget: CallTarget;
  openTarget: OpenTarget;
  /** Absent: one attempt per target. */
  retry?: RetrySettings;
  breakers?: BreakerRegistry;
  concurrency?: ConcurrencyLimiter;
  metrics?: GatewayMetrics;
  /** Random source for load balancing; injectable for tests. */
  random?: () => number;
}

/** The targets of one request and how to order them. */
export interface ExecutionPlan {
  strategy?: RouteStrategy;
  targets: readonly ResolvedTarget[];
}

function attemptFor<Request extends { model: string }>(
  target: ResolvedTarget,
  request: Request,
  context: RequestContext,
  stages: ExecuteStages,
): Attempt<Request> {
  const backend = stages.backends.get(target.backend);
  // The router only hands out enabled targets, so a miss here is a wiring bug.
  if (!backend) throw new Error(`backend ${target.backend} is not registered with the pipeline`);
  return { target, backend, request: { ...request, model: target.model }, context };
}

interface Held<T> {
  value: T;
  /** Frees the concurrency slot; a no-op without a limiter. */
  release: () => void;
}

const noop = () => {};

async function execute<Request extends { model: string }, T>(
  plan: ExecutionPlan,
  request: Request,
  context: RequestContext,
  stages: ExecuteStages,
  call: (attempt: Attempt<Request>) => Promise<T>,
  hold: boolean,
): Promise<Executed<Held<T>>> {
  const { metrics } = stages;
  const ordered = planTargets(
    { strategy: plan.strategy ?? 'fallback', targets: [...plan.targets] },
    stages.random,
  );
  let retries = 0;
  let tried = 0;

  const once = async (target: ResolvedTarget): Promise<Held<T>> => {
    tried += 1;
    const attempt = attemptFor(target, request, context, stages);
    let release = noop;
    if (stages.concurrency) {
      try {
        release = await stages.concurrency.acquire(context.signal);
      } catch (error) {
        if ((error as { code?: string }).code === 'concurrency_limit') metrics?.concurrencyRejections.inc();
        throw error;
      }
    }
    const retried = () =>
      withRetry(() => call(attempt), {
        ...stages.retry,
        attempts: stages.retry?.attempts ?? 1,
        signal: context.signal,
        onRetry: (error, number, delayMs) => {
          metrics?.retries.inc({ backend: target.backend });
          context.log.debug(
            { backend: target.backend, attempt: number, delayMs, err: error },
            'retrying upstream call',
          );
        },
      });
    try {
      const done = stages.breakers ? await stages.breakers.run(target.backend, retried) : await retried();
      retries += done.retries;
      if (!hold) release();
      return { value: done.value, release };
    } catch (error) {
      retries += retriesOf(error);
      release();
      throw error;
    }
  };

  try {
    const answered = await runFallback(ordered, once, {
      signal: context.signal,
      onFallback: (error, target) => {
        metrics?.fallbacks.inc({ backend: target.backend });
        context.log.warn({ backend: target.backend, err: error }, 'target failed, trying the next one');
      },
    });
    return { value: answered.value, target: answered.target, retries, fallback: answered.index > 0 };
  } catch (error) {
    context.annotations.retries = retries;
    context.annotations.fallback = tried > 1;
    throw error;
  }
}

/** Runs a chat over the plan's targets: fallback, concurrency, breaker and retry around each call. */
export async function executeChat(
  plan: ExecutionPlan,
  request: ChatRequest,
  context: RequestContext,
  stages: ExecuteStages,
): Promise<Executed<ChatResult>> {
  const executed = await execute(plan, request, context, stages, stages.callTarget, false);
  return { ...executed, value: executed.value.value };
}

/** Runs embeddings through the same stages as a chat; `embedTarget` calls `backend.embed`. */
export async function executeEmbed(
  plan: ExecutionPlan,
  request: EmbeddingsRequest,
  context: RequestContext,
  stages: ExecuteStages,
  embedTarget: EmbedTarget,
): Promise<Executed<EmbeddingsResult>> {
  const executed = await execute(plan, request, context, stages, embedTarget, false);
  return { ...executed, value: executed.value.value };
}

/**
 * Same as `executeChat` for streams. Every stage acts only before the first part (the opened
 * stream resolves once it is in): once parts flow, a failure goes to the consumer, never retried.
 * The concurrency slot is held until the stream ends or the client leaves.
 */
export async function executeStream(
  plan: ExecutionPlan,
  request: ChatRequest,
  context: RequestContext,
  stages: ExecuteStages,
): Promise<Executed<OpenedStream>> {
  const executed = await execute(plan, request, context, stages, stages.openTarget, true);
  const { value: opened, release } = executed.value;
  if (!stages.concurrency) return { ...executed, value: opened };
  // A surface that never starts reading (the client left first) would otherwise keep the slot.
  if (context.signal.aborted) release();
  else context.signal.addEventListener('abort', release, { once: true });
  async function* holding() {
    try {
      yield* opened.parts;
    } finally {
      context.signal.removeEventListener('abort', release);
      release();
    }
  }
  return { ...executed, value: { ...opened, parts: holding() } };
}
