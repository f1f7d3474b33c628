/**
 * OpenTelemetry spans around the pipeline's stages, as wrappers of the same shape as what they wrap:
 * rate limit, cache and each upstream attempt (a retry is a new call, so a new span). They use the
 * active context, which the host sets to its server span; with no SDK registered the API is a no-op,
 * and the host applies them only when tracing is on, so a gateway without it pays nothing.
 */

import {
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  isGatewayError,
  type Usage,
} from '@llm-gateway/spec';
import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { ResponseCache } from './cache/response-cache.js';
import type { CallTarget, EmbedTarget, OpenTarget } from './call-target.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import type { PipelineOptions } from './pipeline.js';

/** The instrumentation scope of the gateway's spans. */
export const tracerName = '@llm-gateway/core';

/** The gateway's tracer from the global provider (a no-op one until an SDK registers). */
export function gatewayTracer(): Tracer {
  return trace.getTracer(tracerName);
}

/** The `error.type` of a failure: the gateway error's type, else the error's class name. */
export function errorTypeOf(error: unknown): string {
  if (isGatewayError(error)) return error.type;
  return error instanceof Error ? error.name : 'unknown';
}

/** Marks a span failed with `error.type`, without the message (it may quote upstream text). */
export function failSpan(span: Span, error: unknown): void {
  const type = errorTypeOf(error);
  span.setAttribute('error.type', type);
  if (isGatewayError(error) && error.code) span.setAttribute('gateway.error.code', error.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/** Runs `fn` in a child span of the active context, ending it with the outcome. */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(name, options);
  try {
    return await context.with(trace.setSpan(context.active(), span), () => fn(span));
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** W3C trace-context headers (`traceparent`, `tracestate`) of the active context, for the upstream. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

function usageAttributes(span: Span, usage: Usage | undefined): void {
  if (!usage) return;
  span.setAttribute('gen_ai.usage.input_tokens', usage.promptTokens);
  span.setAttribute('gen_ai.usage.output_tokens', usage.completionTokens);
}

export interface TargetTracingOptions {
  tracer: Tracer;
  /** The provider behind a backend instance (`gen_ai.system`), e.g. `openai` for instance `openai-eu`. */
  systemOf?: (backend: string) => string;
}

type AnyAttempt = Parameters<CallTarget>[0] | Parameters<EmbedTarget>[0];

function attemptAttributes(
  operation: string,
  attempt: AnyAttempt,
  systemOf: (backend: string) => string,
): Attributes {
  const system = systemOf(attempt.target.backend);
  const attributes: Attributes = {
    'gen_ai.operation.name': operation,
    'gen_ai.system': system,
    'gen_ai.provider.name': system,
    'gen_ai.request.model': attempt.request.model,
    'gateway.backend': attempt.target.backend,
  };
  const request = attempt.request as Partial<ChatRequest>;
  if (request.maxTokens !== undefined) attributes['gen_ai.request.max_tokens'] = request.maxTokens;
  if (request.temperature !== undefined) attributes['gen_ai.request.temperature'] = request.temperature;
  if (request.topP !== undefined) attributes['gen_ai.request.top_p'] = request.topP;
  return attributes;
}

function resultAttributes(span: Span, result: ChatResult): void {
  span.setAttribute('gen_ai.response.model', result.model);
  span.setAttribute('gen_ai.response.id', result.id);
  span.setAttribute('gen_ai.response.finish_reasons', [result.finishReason]);
  usageAttributes(span, result.usage);
}

/** Wrappers of each upstream attempt: one CLIENT span per call, named `{operation} {model}` (GenAI). */
export interface TargetWrappers {
  call(target: CallTarget): CallTarget;
  open(target: OpenTarget): OpenTarget;
  embed(target: EmbedTarget): EmbedTarget;
}

export function traceTargets(options: TargetTracingOptions): TargetWrappers {
  const { tracer } = options;
  const systemOf = options.systemOf ?? ((backend: string) => backend);
  const spanOptions = (operation: string, attempt: AnyAttempt) => ({
    kind: SpanKind.CLIENT,
    attributes: attemptAttributes(operation, attempt, systemOf),
  });
  const spanName = (operation: string, attempt: AnyAttempt) => `${operation} ${attempt.request.model}`;
  /** One attempt in its span, given the span's trace headers for the upstream; ended with the outcome. */
  const traced = <A extends AnyAttempt, T>(
    operation: string,
    attempt: A,
    run: (attempt: A) => Promise<T>,
    onResult: (span: Span, result: T) => void,
  ) =>
    inSpan(tracer, spanName(operation, attempt), spanOptions(operation, attempt), async (span) => {
      const result = await run({ ...attempt, traceHeaders: traceHeaders() });
      onResult(span, result);
      return result;
    });

  return {
    call: (target) => (attempt) => traced('chat', attempt, target, resultAttributes),
    embed: (target) => (attempt) =>
      traced('embeddings', attempt, target, (span, result) => {
        span.setAttribute('gen_ai.response.model', result.model);
        span.setAttribute('gen_ai.usage.input_tokens', result.usage.promptTokens);
      }),
    open: (target) => async (attempt) => {
      const span = tracer.startSpan(spanName('chat', attempt), spanOptions('chat', attempt));
      try {
        const opened = await context.with(trace.setSpan(context.active(), span), () =>
          target({ ...attempt, traceHeaders: traceHeaders() }),
        );
        return { ...opened, parts: endingWith(opened.parts, span, attempt.request.model) };
      } catch (error) {
        failSpan(span, error);
        span.end();
        throw error;
      }
    },
  };
}

/** Relays a stream's parts and ends its span with the finish part's usage, or the failure. */
async function* endingWith(
  parts: AsyncIterable<ChatStreamPart>,
  span: Span,
  model: string,
): AsyncGenerator<ChatStreamPart> {
  try {
    for await (const part of parts) {
      if (part.type === 'response-metadata' && part.id) span.setAttribute('gen_ai.response.id', part.id);
      if (part.type === 'finish') {
        span.setAttribute('gen_ai.response.model', model);
        span.setAttribute('gen_ai.response.finish_reasons', [part.finishReason]);
        usageAttributes(span, part.usage);
      }
      yield part;
    }
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** A rate limiter whose admissions (requests of the minute, tokens of the day) are `rate_limit` spans. */
export function traceRateLimiter(limiter: RateLimiter, tracer: Tracer): RateLimiter {
  return {
    get requestsPerMinute() {
      return limiter.requestsPerMinute;
    },
    consumeRequest: (key, limits) =>
      inSpan(
        tracer,
        'rate_limit',
        { attributes: { 'gateway.rate_limit.kind': 'requests' } },
        async (span) => {
          const decision = await limiter.consumeRequest(key, limits);
          span.setAttribute('gateway.rate_limit.remaining', decision.remaining);
          return decision;
        },
      ),
    reserveTokens: (key, tokens, limits) =>
      inSpan(tracer, 'rate_limit', { attributes: { 'gateway.rate_limit.kind': 'tokens' } }, () =>
        limiter.reserveTokens(key, tokens, limits),
      ),
    settleTokens: (key, reserved, used) => limiter.settleTokens(key, reserved, used),
    consumeTokens: (key, tokens, limits) => limiter.consumeTokens(key, tokens, limits),
    snapshot: (key) => limiter.snapshot(key),
  };
}

/** A response cache whose lookups and stores are `cache lookup` / `cache store` spans. */
export function traceResponseCache(cache: ResponseCache, tracer: Tracer): ResponseCache {
  const attributes = { 'gateway.cache.store': cache.kind };
  return {
    kind: cache.kind,
    get: (key) =>
      inSpan(tracer, 'cache lookup', { attributes }, async (span) => {
        const hit = await cache.get(key);
        span.setAttribute('gateway.cache.hit', hit !== undefined);
        return hit;
      }),
    set: (key, value, ttlSeconds) =>
      inSpan(tracer, 'cache store', { attributes }, () => cache.set(key, value, ttlSeconds)),
    close: () => cache.close(),
  };
}

/** Pipeline options with every traced stage wrapped: rate limiter, cache store and upstream attempts. */
export function tracePipelineOptions(
  options: PipelineOptions,
  tracing: TargetTracingOptions,
): PipelineOptions {
  const { tracer } = tracing;
  return {
    ...options,
    ...(options.rateLimiter ? { rateLimiter: traceRateLimiter(options.rateLimiter, tracer) } : {}),
    ...(options.surfaceRateLimiters
      ? {
          surfaceRateLimiters: new Map(
            [...options.surfaceRateLimiters].map(([surface, limiter]) => [
              surface,
              traceRateLimiter(limiter, tracer),
            ]),
          ),
        }
      : {}),
    ...(options.cache
      ? { cache: { ...options.cache, store: traceResponseCache(options.cache.store, tracer) } }
      : {}),
    targets: traceTargets(tracing),
  };
}
