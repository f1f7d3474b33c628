import type { Backend, ChatRequest, ChatResult, RequestContext } from '@llm-gateway/spec';
import type { Attempt, CallTarget, OpenedStream, OpenTarget } from './call-target.js';
import type { ResolvedTarget } from './router.js';

/** What an execution produced, and where: the target that answered and how it got there. */
export interface Executed<T> {
  value: T;
  target: ResolvedTarget;
  retries: number;
  /** True when a target other than the first answered. */
  fallback: boolean;
}

export interface ExecuteStages {
  backends: ReadonlyMap<string, Backend>;
  callTarget: CallTarget;
  openTarget: OpenTarget;
}

function attemptFor(
  target: ResolvedTarget,
  request: ChatRequest,
  context: RequestContext,
  stages: ExecuteStages,
): Attempt {
  const backend = stages.backends.get(target.backend);
  // The router only hands out enabled targets, so a miss here is a wiring bug.
  if (!backend) throw new Error(`backend ${target.backend} is not registered with the pipeline`);
  return { target, backend, request: { ...request, model: target.model }, context };
}

/**
 * Runs a chat over an ordered chain of enabled targets. Today it calls the first; the fallback
 * stage replaces this body with a loop over `targets` that reports `fallback` and `retries`.
 */
export async function executeChat(
  targets: readonly ResolvedTarget[],
  request: ChatRequest,
  context: RequestContext,
  stages: ExecuteStages,
): Promise<Executed<ChatResult>> {
  const target = targets[0]!;
  const value = await stages.callTarget(attemptFor(target, request, context, stages));
  return { value, target, retries: 0, fallback: false };
}

/** Same as `executeChat` for streams; a stream may only move to another target before its first part. */
export async function executeStream(
  targets: readonly ResolvedTarget[],
  request: ChatRequest,
  context: RequestContext,
  stages: ExecuteStages,
): Promise<Executed<OpenedStream>> {
  const target = targets[0]!;
  const value = await stages.openTarget(attemptFor(target, request, context, stages));
  return { value, target, retries: 0, fallback: false };
}
