import {
  type Backend,
  type CallMeta,
  type ChatOutcome,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  type EmbeddingsOutcome,
  type EmbeddingsRequest,
  type FinishReason,
  GatewayError,
  type Logger,
  type ModelInfo,
  type Pipeline,
  type Principal,
  type RequestContext,
  type StreamOutcome,
  type Usage,
} from '@llm-gateway/spec';
import { cacheKey } from './cache/cache-key.js';
import { replayAsStream } from './cache/replay.js';
import {
  type CachedResponse,
  DEFAULT_CACHE_TTL_SECONDS,
  isCacheable,
  type ResponseCache,
  toCachedResponse,
} from './cache/response-cache.js';
import { createCallTarget, createEmbedTarget, createOpenTarget } from './call-target.js';
import { chargeRequest } from './cost/charge.js';
import type { PriceBook } from './cost/price-book.js';
import { countRequestTokens } from './count-request-tokens.js';
import { createEmbed } from './embed.js';
import { type ExecuteStages, executeChat, executeStream, type RetrySettings } from './execute.js';
import { addResponseHeaders, createAdmission, hasRateLimits, principalKey } from './limits/admission.js';
import { estimateSpend } from './limits/budget-estimate.js';
import type { BudgetHold, Budgets } from './limits/budgets.js';
import {
  type ConcurrencyLimiter,
  type ConcurrencyLimiterOptions,
  createConcurrencyLimiter,
} from './limits/concurrency.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import type { GatewayMetrics } from './metrics.js';
import {
  type BreakerRegistry,
  type BreakerRegistryOptions,
  type BreakerSnapshot,
  type BreakerState,
  createBreakerRegistry,
} from './resilience/circuit-breaker.js';
import { annotateTarget, beginRoute, callMeta, failedCall } from './route-request.js';
import { type ResolvedTarget, type Route, Router, type RoutingConfig } from './router.js';
import type { TargetWrappers } from './tracing.js';
import { isEmptyUsage, resolveUsage } from './usage.js';

export interface PipelineCacheOptions {
  store: ResponseCache;
  /** Lifetime of an entry (default 3600 s, the seed's CACHE_TTL). */
  ttlSeconds?: number;
}

export interface PipelineOptions {
  /** Enabled backend instances by profile name, in profile order. */
  backends: ReadonlyMap<string, Backend>;
  /** Instances the profile names but that are switched off, with the reason. */
  disabledBackends?: ReadonlyMap<string, string>;
  /** Said in the 503 when no backend at all is enabled: what would enable one. */
  noBackendHint?: string;
  routing: RoutingConfig;
  log: Logger;
  metrics?: GatewayMetrics;
  /** Per upstream call; for streams, the wait for the first part and between parts. Default 60 s. */
  timeoutMs?: number;
  /** Retries of retryable failures per target (absent: one attempt). */
  retry?: RetrySettings;
  /** One breaker per backend (absent or `enabled: false`: none). */
  breaker?: Omit<BreakerRegistryOptions, 'onStateChange'>;
  /** Response cache (absent: none). The pipeline closes the store on `close()`. */
  cache?: PipelineCacheOptions;
  /** Requests per minute and tokens per day per principal (absent: unlimited). */
  rateLimiter?: RateLimiter;
  /** A surface's own limits by surface instance name, instead of `rateLimiter` (per principal, per surface). */
  surfaceRateLimiters?: ReadonlyMap<string, RateLimiter>;
  /** Global cap on concurrent upstream calls (absent: none). */
  concurrency?: Omit<ConcurrencyLimiterOptions, 'onChange'>;
  /** When false, stream requests are refused with a 400 `streaming_disabled` (default true). */
  streaming?: boolean;
  /** When false, surfaces' relay asks (`ChatRequest.relay`) are dropped: every answer is translated (default true). */
  relay?: boolean;
  /** Random source for load balancing; injectable for tests. */
  random?: () => number;
  /** Wrappers around each upstream attempt (tracing spans); see `tracePipelineOptions`. */
  targets?: TargetWrappers;
  /** Prices each request's usage (`costUsd`, `gateway_cost_usd_total`); absent: no cost. */
  pricing?: PriceBook;
  /** USD and token budgets per calendar period, reserved before the call and settled after (absent: none). */
  budgets?: Budgets;
}

export interface GatewayPipeline extends Pipeline {
  readonly router: Router;
  /** Names of the enabled backends, in profile order. */
  readonly backendNames: readonly string[];
  readonly streamingEnabled: boolean;
  readonly cache: { store: ResponseCache; ttlSeconds: number } | undefined;
  readonly rateLimiter: RateLimiter | undefined;
  readonly concurrency: ConcurrencyLimiter | undefined;
  /** Whether per-backend breakers are on. */
  readonly breakersEnabled: boolean;
  /** Breaker state of every enabled backend (closed with no failures when breakers are off). */
  breakers(): Record<string, BreakerSnapshot>;
  /** Always present in core: a 400 only when the model's backends have no embeddings. */
  embed(request: EmbeddingsRequest, context: RequestContext): Promise<EmbeddingsOutcome>;
  /** Always present in core: the tokenizer's count of a request's prompt (Anthropic's count_tokens). */
  countTokens(request: ChatRequest, context: RequestContext): Promise<number>;
  /** Closes every backend it was given, the breakers and the cache store. */
  close(): Promise<void>;
}

export { principalKey };

const defaultTimeoutMs = 60_000;
const breakerGauge: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2 };

/** What the stream's bookkeeping needs about the call it wraps. */
interface StreamCall {
  target: ResolvedTarget;
  request: ChatRequest;
  context: RequestContext;
  startedAt: number;
  key: string | undefined;
  /** Day-budget tokens held for the call, settled when the stream ends. */
  reserved: number;
  /** What the profile's budgets hold for the call, settled when the stream ends. */
  hold: BudgetHold | undefined;
}

export function createPipeline(options: PipelineOptions): GatewayPipeline {
  const { backends, log, metrics } = options;
  const router = new Router({
    backends,
    routing: options.routing,
    ...(options.disabledBackends ? { disabledBackends: options.disabledBackends } : {}),
    ...(options.noBackendHint === undefined ? {} : { noBackendHint: options.noBackendHint }),
  });
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const streamingEnabled = options.streaming !== false;
  const relayEnabled = options.relay !== false;
  const breakerOptions = options.breaker;
  const breakerThreshold = Math.max(1, breakerOptions?.failureThreshold ?? 5);
  const breakers: BreakerRegistry | undefined =
    breakerOptions && breakerOptions.enabled !== false
      ? createBreakerRegistry({
          ...breakerOptions,
          onStateChange: (backend, state) => {
            metrics?.breakerState.set({ backend }, breakerGauge[state]);
            const line = `circuit breaker of ${backend} is ${state.replace('_', '-')}`;
            if (state === 'open') log.warn({ backend }, line);
            else log.info({ backend }, line);
          },
        })
      : undefined;
  if (breakers && metrics) for (const backend of backends.keys()) metrics.breakerState.set({ backend }, 0);
  const concurrency = options.concurrency
    ? createConcurrencyLimiter({
        ...options.concurrency,
        onChange: (inFlight, queued) => {
          metrics?.concurrencyInflight.set(inFlight);
          metrics?.concurrencyQueued.set(queued);
        },
      })
    : undefined;
  const cache = options.cache
    ? { store: options.cache.store, ttlSeconds: options.cache.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS }
    : undefined;
  const { rateLimiter } = options;
  const wrap = options.targets;
  const callTarget = createCallTarget({ timeoutMs, ...(metrics ? { metrics } : {}) });
  const openTarget = createOpenTarget({ timeoutMs, ...(metrics ? { metrics } : {}) });
  const stages: ExecuteStages = {
    backends,
    callTarget: wrap ? wrap.call(callTarget) : callTarget,
    openTarget: wrap ? wrap.open(openTarget) : openTarget,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(breakers ? { breakers } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(metrics ? { metrics } : {}),
    ...(options.random ? { random: options.random } : {}),
  };
  const created = Math.floor(Date.now() / 1000);

  const { pricing } = options;
  /** The request's cost on the target that answered (annotated, counted). */
  const charge = (context: RequestContext, target: ResolvedTarget, usage: Usage) =>
    pricing ? chargeRequest(pricing, metrics, context, target, usage) : 0;
  /** Refuses, before any call, a route with a target that has no price when the profile says so. */
  const checkPrices = (route: Route, context: RequestContext) => {
    const allowed = context.principal.allowedModels;
    if (allowed && !allowed.includes(route.requestedModel))
      throw new GatewayError('permission', `This key may not use the model ${route.requestedModel}`, {
        code: 'model_not_allowed',
        param: 'model',
      });
    for (const target of route.targets) pricing?.check(target.backend, target.model);
  };
  const { budgets } = options;
  /** Reserves the request's most spend on its budgets (a 429 budget_exceeded when one is spent). */
  const holdBudgets = async (request: ChatRequest, route: Route, context: RequestContext) =>
    budgets?.applies(context)
      ? budgets.reserve(context, await estimateSpend(request, route.targets, context.principal, pricing))
      : undefined;
  /** Settles a hold with what the request spent (nothing: a refund). */
  const spent = (context: RequestContext) => ({
    tokens: context.annotations.usage?.totalTokens ?? 0,
    usd: context.annotations.costUsd ?? 0,
  });
  const nothing = { tokens: 0, usd: 0 };

  function countTokens(backend: string, usage: Usage): void {
    if (!metrics) return;
    metrics.tokens.inc({ backend, kind: 'prompt' }, usage.promptTokens);
    metrics.tokens.inc({ backend, kind: 'completion' }, usage.completionTokens);
  }

  const meta = callMeta;

  const begin = (request: ChatRequest, context: RequestContext) => beginRoute(router, request.model, context);

  const admission = hasRateLimits(options) ? createAdmission(options, metrics) : undefined;
  /** Rate limits, before anything else costs; returns the tokens reserved, for {@link settle}. */
  const admit = (request: ChatRequest, context: RequestContext) =>
    admission ? admission.admit(context, reservation(request, context.principal)) : Promise.resolve(0);
  const admitRequest = async (context: RequestContext) => admission?.admitRequest(context);
  const settle = async (context: RequestContext, reserved: number, used: number) =>
    admission?.settle(context, reserved, used);

  /** The reservation's size: the reply's most tokens, else the principal's default; prompts settle after. */
  function reservation(request: ChatRequest, principal: Principal): number {
    const defaults = principal.defaults;
    return request.maxTokens ?? defaults?.maxTokens ?? defaults?.maxTokensLimit ?? 1;
  }

  /** The cache key of a request, or undefined without a cache. */
  function keyOf(request: ChatRequest, route: Route): string | undefined {
    return cache ? cacheKey({ ...request, model: route.requestedModel }) : undefined;
  }

  async function lookup(
    key: string | undefined,
    context: RequestContext,
  ): Promise<CachedResponse | undefined> {
    if (key === undefined || !cache) return undefined;
    const hit = await cache.store.get(key);
    metrics?.cacheLookups.inc({ result: hit ? 'hit' : 'miss' });
    addResponseHeaders(context, { 'x-gateway-cache': hit ? 'hit' : 'miss' });
    context.log.debug({ cache: hit ? 'hit' : 'miss' }, hit ? 'cache hit' : 'cache miss');
    if (hit) {
      const annotations = context.annotations;
      annotations.cacheHit = true;
      annotations.backend = hit.backend;
      annotations.model = hit.model;
      annotations.usage = hit.usage;
      // A cached answer made no upstream call: it costs nothing.
      if (pricing) annotations.costUsd = 0;
    }
    return hit;
  }

  async function store(key: string | undefined, value: CachedResponse): Promise<void> {
    if (key === undefined || !cache) return;
    await cache.store.set(key, value, cache.ttlSeconds);
  }

  function cachedMeta(requestedModel: string, hit: CachedResponse): CallMeta {
    return {
      requestedModel,
      backend: hit.backend,
      model: hit.model,
      cached: true,
      retries: 0,
      fallback: false,
    };
  }

  const failed = failedCall;

  /** The surface's relay ask as the backends get it: none when relaying is off, with the content parts when the cache needs them. */
  function relayAsk(request: ChatRequest, key: string | undefined): ChatRequest {
    const relay = request.relay;
    if (!relay) return request;
    if (!relayEnabled) {
      const { relay: _off, ...rest } = request;
      return rest;
    }
    return key === undefined || relay.parts ? request : { ...request, relay: { ...relay, parts: true } };
  }

  async function chat(request: ChatRequest, context: RequestContext): Promise<ChatOutcome> {
    const startedAt = performance.now();
    let reserved = 0;
    let hold: BudgetHold | undefined;
    try {
      const route = await begin(request, context);
      checkPrices(route, context);
      // Each stage is awaited only when it is on: an await costs a turn of the microtask queue.
      if (admission) reserved = await admit(request, context);
      if (budgets) hold = await holdBudgets(request, route, context);
      const key = keyOf(request, route);
      const hit = key === undefined ? undefined : await lookup(key, context);
      if (hit) {
        if (reserved > 0) await settle(context, reserved, 0);
        if (hold) await budgets!.settle(hold, nothing);
        hold = undefined;
        const result: ChatResult = {
          id: `cache-${key!.slice(0, 24)}`,
          model: hit.model,
          text: hit.text,
          finishReason: hit.finishReason,
          usage: { ...hit.usage },
          created: Math.floor(hit.createdAt / 1000),
        };
        return { result, meta: cachedMeta(route.requestedModel, hit) };
      }
      const executed = await executeChat(route, relayAsk(request, key), context, stages);
      context.annotations.llmLatencyMs = performance.now() - startedAt;
      annotateTarget(context, executed);
      const reported = executed.value.usage;
      const usage =
        reported && !isEmptyUsage(reported)
          ? reported
          : await resolveUsage(reported, request.messages, executed.value.text);
      context.annotations.usage = usage;
      countTokens(executed.target.backend, usage);
      charge(context, executed.target, usage);
      const result = { ...executed.value, usage };
      if (key !== undefined && isCacheable(result))
        await store(key, toCachedResponse(result, executed.target.backend));
      if (reserved > 0) await settle(context, reserved, usage.totalTokens);
      reserved = 0;
      if (hold) await budgets!.settle(hold, spent(context));
      hold = undefined;
      return { result, meta: meta(route.requestedModel, executed) };
    } catch (error) {
      if (reserved > 0) await settle(context, reserved, 0);
      if (hold) await budgets!.settle(hold, nothing);
      throw failed(context, error, startedAt);
    }
  }

  async function stream(request: ChatRequest, context: RequestContext): Promise<StreamOutcome> {
    const startedAt = performance.now();
    let reserved = 0;
    let hold: BudgetHold | undefined;
    try {
      if (!streamingEnabled) {
        throw new GatewayError(
          'invalid_request',
          'Streaming is disabled on this gateway; send the request without stream',
          { code: 'streaming_disabled', param: 'stream' },
        );
      }
      const route = await begin(request, context);
      checkPrices(route, context);
      if (admission) reserved = await admit(request, context);
      if (budgets) hold = await holdBudgets(request, route, context);
      const key = keyOf(request, route);
      const hit = key === undefined ? undefined : await lookup(key, context);
      if (hit) {
        if (reserved > 0) await settle(context, reserved, 0);
        reserved = 0;
        if (hold) await budgets!.settle(hold, nothing);
        hold = undefined;
        context.annotations.timeToFirstTokenMs = performance.now() - startedAt;
        return { meta: cachedMeta(route.requestedModel, hit), parts: replayAsStream(hit) };
      }
      const executed = await executeStream(route, relayAsk(request, key), context, stages);
      context.annotations.timeToFirstTokenMs = performance.now() - startedAt;
      annotateTarget(context, executed);
      const call = { target: executed.target, request, context, startedAt, key, reserved, hold };
      reserved = 0;
      hold = undefined;
      return { meta: meta(route.requestedModel, executed), parts: withUsage(executed.value.parts, call) };
    } catch (error) {
      if (reserved > 0) await settle(context, reserved, 0);
      if (hold) await budgets!.settle(hold, nothing);
      throw failed(context, error, startedAt);
    }
  }

  /**
   * Passes parts through, fills in usage on the finish part (estimated when the upstream gave none),
   * charges the tokens, and caches the whole answer once the stream has ended cleanly.
   */
  async function* withUsage(
    parts: AsyncIterable<ChatStreamPart>,
    call: StreamCall,
  ): AsyncGenerator<ChatStreamPart> {
    const { target, request, context, startedAt, key } = call;
    let text = '';
    let finish: { reason: FinishReason; usage: Usage } | undefined;
    let settled = false;
    let replayable = true;
    /** Upstream bytes went to the client as they came (the content parts may come only at the end). */
    let relayed = false;
    try {
      for await (const part of parts) {
        if (part.type === 'text-delta' && !part.choice && !part.logprobs) {
          text += part.text;
          yield part;
          continue;
        }
        if (part.type === 'relay-bytes') {
          relayed = true;
          yield part;
          continue;
        }
        if (part.type !== 'finish') {
          // Tool calls, other choices, logprobs, refusals: passed on, and the answer is not replayable as text.
          if (part.type !== 'response-metadata') replayable = false;
          if (part.type === 'text-delta' || part.type === 'refusal-delta') text += part.text;
          else if (part.type === 'tool-call-delta') text += (part.name ?? '') + (part.arguments ?? '');
          yield part;
          continue;
        }
        context.annotations.llmLatencyMs = performance.now() - startedAt;
        const usage = await resolveUsage(part.usage, request.messages, text);
        context.annotations.usage = usage;
        countTokens(target.backend, usage);
        charge(context, target, usage);
        finish = { reason: part.finishReason, usage };
        yield { ...part, usage };
      }
      if (!finish) {
        // The upstream ended without a finish part: still account for what it sent.
        context.annotations.llmLatencyMs = performance.now() - startedAt;
        context.annotations.usage = await resolveUsage(undefined, request.messages, text);
        countTokens(target.backend, context.annotations.usage);
        charge(context, target, context.annotations.usage);
        settled = true;
        await settle(context, call.reserved, context.annotations.usage.totalTokens);
        await budgets?.settle(call.hold, spent(context));
        return;
      }
      settled = true;
      await settle(context, call.reserved, finish.usage.totalTokens);
      await budgets?.settle(call.hold, spent(context));
      if (replayable && isCacheable({ finishReason: finish.reason })) {
        await store(key, {
          text,
          finishReason: finish.reason,
          usage: finish.usage,
          model: target.model,
          backend: target.backend,
          createdAt: Date.now(),
        });
      }
    } catch (error) {
      throw failed(context, error, startedAt);
    } finally {
      // Failed or abandoned: refunded when nothing was sent, else the reservation stands (usage unknown).
      if (!settled && text === '' && !relayed) {
        await settle(context, call.reserved, 0);
        await budgets?.settle(call.hold, nothing);
      }
    }
  }

  /** count_tokens: routed (unknown model, provider not allowed) and rate limited as a request, no upstream call. */
  async function countRequest(request: ChatRequest, context: RequestContext): Promise<number> {
    await begin(request, context);
    await admitRequest(context);
    return countRequestTokens(request);
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

  function breakerSnapshots(): Record<string, BreakerSnapshot> {
    const known = breakers?.snapshot() ?? {};
    const out: Record<string, BreakerSnapshot> = {};
    for (const backend of backends.keys()) {
      out[backend] = known[backend] ?? {
        state: 'closed',
        failure_count: 0,
        failure_threshold: breakerThreshold,
      };
    }
    return out;
  }

  async function close(): Promise<void> {
    breakers?.close();
    const results = await Promise.allSettled([
      ...[...backends.values()].map((backend) => backend.close?.()),
      cache?.store.close(),
    ]);
    for (const result of results) {
      if (result.status === 'rejected') log.warn({ err: result.reason }, 'closing a backend failed');
    }
  }

  const embedTarget = createEmbedTarget({ timeoutMs, ...(metrics ? { metrics } : {}) });
  const embed = createEmbed({
    router,
    stages,
    embedTarget: wrap ? wrap.embed(embedTarget) : embedTarget,
    ...(admission ? { admission } : {}),
    ...(metrics ? { metrics } : {}),
    ...(pricing ? { pricing } : {}),
  });

  return {
    get defaultModel() {
      return router.defaultModel;
    },
    router,
    backendNames: [...backends.keys()],
    streamingEnabled,
    cache,
    rateLimiter,
    concurrency,
    breakersEnabled: breakers !== undefined,
    breakers: breakerSnapshots,
    chat,
    stream,
    models,
    embed,
    countTokens: countRequest,
    admit: admitRequest,
    close,
  };
}
