/**
 * OpenTelemetry traces: the SDK (OTLP/HTTP exporter) is set up only when an OTLP endpoint is
 * configured, and only then are the request hooks and the pipeline's span wrappers installed, so a
 * gateway without it pays nothing. Standard OTEL_* variables configure it.
 */
import { gatewayTracer, inSpan, type PipelineOptions, tracePipelineOptions } from '@llm-gateway/core';
import type { Authenticator } from '@llm-gateway/spec';
import {
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Profile } from '../profile/schema.js';

export interface GatewayTracing {
  tracer: Tracer;
  /** Flushes the spans still buffered and unregisters the SDK. */
  shutdown(): Promise<void>;
}

type Env = Record<string, string | undefined>;

/** Whether the environment asks for traces: an OTLP endpoint is set and the SDK is not disabled. */
export function tracingRequested(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/** The traces URL: the per-signal endpoint as is, else the base endpoint plus `/v1/traces` (OTLP spec). */
function tracesUrl(env: Env): string {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (specific) return specific;
  return `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.trim().replace(/\/+$/, '')}/v1/traces`;
}

/** The standard OTEL_BSP_* batching variables (this SDK version leaves them to the caller). */
function batchSettings(env: Env) {
  const number = (name: string) => {
    const value = Number(env[name]);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const settings = {
    scheduledDelayMillis: number('OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: number('OTEL_BSP_EXPORT_TIMEOUT'),
    maxQueueSize: number('OTEL_BSP_MAX_QUEUE_SIZE'),
    maxExportBatchSize: number('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/**
 * Registers a tracer provider exporting over OTLP/HTTP (JSON), with the W3C trace-context propagator
 * and an AsyncLocalStorage context manager, when the environment asks for it; otherwise nothing.
 */
export function startTracing(
  env: Env,
  service: { name: string; version: string },
): GatewayTracing | undefined {
  if (!tracingRequested(env)) return undefined;
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (envDetector) win over the profile's service.
  // OTEL_RESOURCE_ATTRIBUTES (envDetector), then OTEL_SERVICE_NAME, win over the profile's service.
  const serviceName = env.OTEL_SERVICE_NAME?.trim();
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: service.name,
    [ATTR_SERVICE_VERSION]: service.version,
  })
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(serviceName ? resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }) : null);
  // The endpoint comes from `env`; headers, timeout and compression from the process's OTEL_* variables.
  const exporter = new OTLPTraceExporter({ url: tracesUrl(env) });
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor({ exporter, ...batchSettings(env) })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: gatewayTracer(),
    async shutdown() {
      try {
        await provider.shutdown();
      } finally {
        // Unregistered, so a later server in the same process can register its own.
        trace.disable();
        propagation.disable();
        context.disable();
      }
    },
  };
}

/** The request's server span and its context, kept for the hooks that re-enter it. */
const traced = new WeakMap<FastifyRequest, { span: Span; context: Context }>();

/** The provider behind a backend instance's plugin (`@llm-gateway/backend-openai` -> `openai`). */
export function systemOfPlugin(plugin: string): string {
  return plugin.replace(/^@llm-gateway\//, '').replace(/^backend-/, '');
}

/** Sets the request's GenAI and gateway attributes from what the pipeline annotated. */
function annotate(span: Span, request: FastifyRequest, systemOf: (backend: string) => string): void {
  const state = request.gateway;
  if (!state) return;
  const { annotations } = state;
  const set = (name: string, value: string | number | boolean | undefined) => {
    if (value !== undefined) span.setAttribute(name, value);
  };
  if (state.context) {
    set('gateway.surface', state.context.surface);
    set('gateway.endpoint', state.context.endpoint);
    set('gateway.principal.kind', state.context.principal.kind);
  }
  set('gateway.request_id', request.id);
  set('gen_ai.request.model', annotations.requestedModel);
  set('gen_ai.response.model', annotations.model);
  if (annotations.backend) {
    set('gateway.backend', annotations.backend);
    set('gen_ai.system', systemOf(annotations.backend));
  }
  set('gen_ai.usage.input_tokens', annotations.usage?.promptTokens);
  set('gen_ai.usage.output_tokens', annotations.usage?.completionTokens);
  set('gateway.cost_usd', annotations.costUsd);
  set('gateway.cache_hit', annotations.cacheHit);
  set('gateway.retries', annotations.retries);
  set('gateway.fallback', annotations.fallback);
  set('error.type', annotations.errorType);
}

/**
 * One SERVER span per request, named after its route, parented to the client's `traceparent`. It is
 * the active context through every hook and the handler (re-entered after body parsing, which runs
 * outside it), so auth, rate-limit, cache and upstream spans nest under it.
 */
export function installTracing(
  app: FastifyInstance,
  tracer: Tracer,
  systemOf: (backend: string) => string,
): void {
  app.addHook('onRequest', (request, reply, done) => {
    const parent = propagation.extract(context.active(), request.headers);
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_PATH]: request.url.split('?', 1)[0]!,
          ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    traced.set(request, { span, context: active });
    reply.raw.once('close', () => {
      const status = reply.raw.writableEnded ? reply.statusCode : 499;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      annotate(span, request, systemOf);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(active, done);
  });
  const reenter = (request: FastifyRequest, _reply: unknown, done: () => void) => {
    const found = traced.get(request);
    if (found) context.with(found.context, done);
    else done();
  };
  app.addHook('preValidation', reenter);
  app.addHook('preHandler', reenter);
}

/** An authenticator whose every check is an `auth` span (principal kind on success, error type on failure). */
export function traceAuthenticator(authenticate: Authenticator, tracer: Tracer): Authenticator {
  return (input) =>
    inSpan(tracer, 'auth', { kind: SpanKind.INTERNAL }, async (span) => {
      const principal = await authenticate(input);
      span.setAttribute('gateway.principal.kind', principal.kind);
      return principal;
    });
}

/** `gen_ai.system` of each backend instance, from the plugin the profile names for it. */
export function backendSystems(profile: Profile): (backend: string) => string {
  return (backend) => {
    const plugin = profile.backends[backend]?.plugin;
    return plugin ? systemOfPlugin(plugin) : backend;
  };
}

/** The pipeline's options, with span wrappers around its stages when tracing is on. */
export function withPipelineTracing(
  tracing: GatewayTracing | undefined,
  profile: Profile,
  options: PipelineOptions,
): PipelineOptions {
  if (!tracing) return options;
  return tracePipelineOptions(options, { tracer: tracing.tracer, systemOf: backendSystems(profile) });
}

/** The authenticator, as an `auth` span when tracing is on. */
export function withAuthTracing(
  tracing: GatewayTracing | undefined,
  authenticate: Authenticator,
): Authenticator {
  return tracing ? traceAuthenticator(authenticate, tracing.tracer) : authenticate;
}
