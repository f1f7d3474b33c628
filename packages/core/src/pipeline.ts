import {
  type Backend,
  type CallMeta,
  type ChatOutcome,
  type ChatRequest,
  type ChatStreamPart,
  type Logger,
  type ModelInfo,
  type Pipeline,
  type RequestContext,
  type StreamOutcome,
  toGatewayError,
  type Usage,
} from '@llm-gateway/spec';
import { createCallTarget, createOpenTarget } from './call-target.js';
import { type Executed, type ExecuteStages, executeChat, executeStream } from './execute.js';
import type { GatewayMetrics } from './metrics.js';
import { type ResolvedTarget, Router, type RoutingConfig } from './router.js';
import { resolveUsage } from './usage.js';

export interface PipelineOptions {
  /** Enabled backend instances by profile name, in profile order. */
  backends: ReadonlyMap<string, Backend>;
  /** Instances the profile names but that are switched off, with the reason. */
  disabledBackends?: ReadonlyMap<string, string>;
  routing: RoutingConfig;
  log: Logger;
  metrics?: GatewayMetrics;
  /** Per upstream call; for streams, the wait for the first part and between parts. Default 60 s. */
  timeoutMs?: number;
}

export interface GatewayPipeline extends Pipeline {
  readonly router: Router;
  /** Names of the enabled backends, in profile order. */
  readonly backendNames: readonly string[];
  /** Closes every backend it was given. */
  close(): Promise<void>;
}

const defaultTimeoutMs = 60_000;

export function createPipeline(options: PipelineOptions): GatewayPipeline {
  const { backends, log, metrics } = options;
  const router = new Router({
    backends,
    routing: options.routing,
    ...(options.disabledBackends ? { disabledBackends: options.disabledBackends } : {}),
  });
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const stages: ExecuteStages = {
    backends,
    callTarget: createCallTarget({ timeoutMs, ...(metrics ? { metrics } : {}) }),
    openTarget: createOpenTarget({ timeoutMs, ...(metrics ? { metrics } : {}) }),
  };
  const created = Math.floor(Date.now() / 1000);

  function countTokens(backend: string, usage: Usage): void {
    if (!metrics) return;
    metrics.tokens.inc({ backend, kind: 'prompt' }, usage.promptTokens);
    metrics.tokens.inc({ backend, kind: 'completion' }, usage.completionTokens);
  }

  function meta(requestedModel: string, executed: Executed<unknown>): CallMeta {
    return {
      requestedModel,
      backend: executed.target.backend,
      model: executed.target.model,
      cached: false,
      retries: executed.retries,
      fallback: executed.fallback,
    };
  }

  /** Resolves the route and marks the annotations every outcome shares. */
  async function begin(request: ChatRequest, context: RequestContext) {
    const annotations = context.annotations;
    annotations.requestedModel = request.model || router.defaultModel;
    annotations.cacheHit = false;
    annotations.retries = 0;
    annotations.fallback = false;
    const route = await router.resolve(request.model);
    annotations.requestedModel = route.requestedModel;
    annotations.backend = route.targets[0]!.backend;
    annotations.model = route.targets[0]!.model;
    return route;
  }

  function annotateTarget(context: RequestContext, executed: Executed<unknown>): void {
    const annotations = context.annotations;
    annotations.backend = executed.target.backend;
    annotations.model = executed.target.model;
    annotations.retries = executed.retries;
    annotations.fallback = executed.fallback;
  }

  function failed(context: RequestContext, error: unknown, startedAt: number) {
    const failure = toGatewayError(error);
    context.annotations.errorType = failure.type;
    if (failure.backend) context.annotations.backend = failure.backend;
    context.annotations.llmLatencyMs ??= performance.now() - startedAt;
    return failure;
  }

  async function chat(request: ChatRequest, context: RequestContext): Promise<ChatOutcome> {
    const startedAt = performance.now();
    try {
      const route = await begin(request, context);
      const executed = await executeChat(route.targets, request, context, stages);
      context.annotations.llmLatencyMs = performance.now() - startedAt;
      annotateTarget(context, executed);
      const usage = await resolveUsage(executed.value.usage, request.messages, executed.value.text);
      context.annotations.usage = usage;
      countTokens(executed.target.backend, usage);
      return { result: { ...executed.value, usage }, meta: meta(route.requestedModel, executed) };
    } catch (error) {
      throw failed(context, error, startedAt);
    }
  }

  async function stream(request: ChatRequest, context: RequestContext): Promise<StreamOutcome> {
    const startedAt = performance.now();
    try {
      const route = await begin(request, context);
      const executed = await executeStream(route.targets, request, context, stages);
      context.annotations.timeToFirstTokenMs = performance.now() - startedAt;
      annotateTarget(context, executed);
      return {
        meta: meta(route.requestedModel, executed),
        parts: withUsage(executed.value.parts, executed.target, request, context, startedAt),
      };
    } catch (error) {
      throw failed(context, error, startedAt);
    }
  }

  /** Passes parts through, fills in usage on the finish part (estimated when the upstream gave none). */
  async function* withUsage(
    parts: AsyncIterable<ChatStreamPart>,
    target: ResolvedTarget,
    request: ChatRequest,
    context: RequestContext,
    startedAt: number,
  ): AsyncGenerator<ChatStreamPart> {
    let text = '';
    let finished = false;
    try {
      for await (const part of parts) {
        if (part.type === 'text-delta') {
          text += part.text;
          yield part;
          continue;
        }
        finished = true;
        context.annotations.llmLatencyMs = performance.now() - startedAt;
        const usage = await resolveUsage(part.usage, request.messages, text);
        context.annotations.usage = usage;
        countTokens(target.backend, usage);
        yield { ...part, usage };
      }
      if (!finished) {
        // The upstream ended without a finish part: still account for what it sent.
        context.annotations.llmLatencyMs = performance.now() - startedAt;
        context.annotations.usage = await resolveUsage(undefined, request.messages, text);
        countTokens(target.backend, context.annotations.usage);
      }
    } catch (error) {
      throw failed(context, error, startedAt);
    }
  }

  async function models(): Promise<ModelInfo[]> {
    const seen = new Map<string, ModelInfo>();
    const add = (id: string, backend: string) => {
      if (!seen.has(id)) seen.set(id, { id, backend, created });
    };
    for (const [key, targets] of router.entries()) {
      // Keys whose every target is switched off would only answer 503, so they are not advertised.
      const target = targets.find((candidate) => backends.has(candidate.backend));
      if (target) add(key, target.backend);
    }
    const listings = await Promise.all(
      [...backends.entries()].map(async ([name, backend]) => {
        try {
          return { name, models: await backend.models() };
        } catch (error) {
          log.warn({ backend: name, err: error }, 'listing backend models failed');
          return { name, models: [] };
        }
      }),
    );
    for (const { name, models: list } of listings) {
      for (const model of list) {
        add(model, name);
        add(`${name}/${model}`, name);
      }
    }
    return [...seen.values()];
  }

  async function close(): Promise<void> {
    const results = await Promise.allSettled([...backends.values()].map((backend) => backend.close?.()));
    for (const result of results) {
      if (result.status === 'rejected') log.warn({ err: result.reason }, 'closing a backend failed');
    }
  }

  return {
    get defaultModel() {
      return router.defaultModel;
    },
    router,
    backendNames: [...backends.keys()],
    chat,
    stream,
    models,
    close,
  };
}
