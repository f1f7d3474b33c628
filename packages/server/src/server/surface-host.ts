import {
  type Authenticator,
  type AuthScheme,
  anonymousPrincipal,
  type ChatRequest,
  type EmbeddingsRequest,
  GatewayError,
  type Logger,
  type Pipeline,
  type Principal,
  type RequestContext,
  type SharedStore,
  type SurfaceHost,
  type TaskQueue,
  type TelemetryRecord,
  type TelemetryStatus,
} from '@llm-gateway/spec';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface AuthenticatorOptions {
  /** Scheme names the profile lists for the surface; `[]` means anonymous access. */
  configured: readonly string[];
  /** The enabled ones among them, in the same order. */
  schemes: readonly AuthScheme[];
  allowQueryCredentials: boolean;
}

/**
 * Tries each scheme in order: the first principal wins, a scheme that throws (wrong credentials)
 * ends the search. A surface whose listed schemes are all disabled refuses everyone.
 */
export function composeAuthenticator(options: AuthenticatorOptions): Authenticator {
  if (options.configured.length === 0) return async () => anonymousPrincipal;
  const { schemes, allowQueryCredentials } = options;
  return async (input) => {
    for (const scheme of schemes) {
      const principal = await scheme.authenticate({ ...input, allowQueryCredentials });
      if (principal) return principal;
    }
    throw new GatewayError('authentication', 'Missing credentials', { code: 'missing_credentials' });
  };
}

export interface SurfaceHostOptions {
  instanceName: string;
  log: Logger;
  pipeline: Pipeline;
  authenticate: Authenticator;
  authSchemes: readonly AuthScheme[];
  queue?: TaskQueue;
  sharedStore?: SharedStore;
  emitTelemetry(record: TelemetryRecord): void;
  telemetryStatus?(): TelemetryStatus;
  showsDetails?(request: FastifyRequest): boolean;
  service: { name: string; version: string };
}

/**
 * Puts the headers the pipeline asked for (`annotations.responseHeaders`: X-RateLimit-*,
 * x-gateway-cache) on the reply as soon as a pipeline call returns or fails, so they go out with
 * JSON answers, error answers and hijacked streams alike.
 */
export function withResponseHeaders(
  pipeline: Pipeline,
  replyOf: (context: RequestContext) => FastifyReply | undefined,
): Pipeline {
  const apply = (context: RequestContext) => {
    const headers = context.annotations.responseHeaders;
    if (!headers) return;
    const reply = replyOf(context);
    if (!reply || reply.sent || reply.raw.headersSent) return;
    for (const name in headers) if (!reply.hasHeader(name)) reply.header(name, headers[name]);
  };
  const embed = pipeline.embed;
  const countTokens = pipeline.countTokens;
  return {
    get defaultModel() {
      return pipeline.defaultModel;
    },
    async chat(request, context) {
      try {
        return await pipeline.chat(request, context);
      } finally {
        apply(context);
      }
    },
    async stream(request, context) {
      try {
        return await pipeline.stream(request, context);
      } finally {
        apply(context);
      }
    },
    models: () => pipeline.models(),
    ...(embed
      ? {
          embed: async (request: EmbeddingsRequest, context: RequestContext) => {
            try {
              return await embed.call(pipeline, request, context);
            } finally {
              apply(context);
            }
          },
        }
      : {}),
    ...(countTokens
      ? {
          countTokens: async (request: ChatRequest, context: RequestContext) => {
            try {
              return await countTokens.call(pipeline, request, context);
            } finally {
              apply(context);
            }
          },
        }
      : {}),
    async admit(context) {
      try {
        await pipeline.admit?.(context);
      } finally {
        apply(context);
      }
    },
  };
}

export function createSurfaceHost(options: SurfaceHostOptions): SurfaceHost {
  const surface = options.instanceName;
  const replies = new WeakMap<RequestContext, FastifyReply>();
  return {
    instanceName: surface,
    log: options.log,
    pipeline: withResponseHeaders(options.pipeline, (context) => replies.get(context)),
    authenticate: options.authenticate,
    authSchemes: options.authSchemes,
    ...(options.queue ? { queue: options.queue } : {}),
    ...(options.sharedStore ? { sharedStore: options.sharedStore } : {}),
    emitTelemetry: options.emitTelemetry,
    ...(options.telemetryStatus ? { telemetryStatus: options.telemetryStatus } : {}),
    ...(options.showsDetails ? { showsDetails: options.showsDetails } : {}),
    service: options.service,
    createContext(
      request: FastifyRequest,
      { endpoint, principal }: { endpoint: string; principal: Principal },
    ) {
      const state = request.gateway;
      if (state.context) {
        state.context.endpoint = endpoint;
        state.context.principal = principal;
        return state.context;
      }
      const context: RequestContext = {
        requestId: request.id,
        surface,
        endpoint,
        principal,
        signal: state.signal,
        log: request.log,
        annotations: state.annotations,
      };
      state.context = context;
      replies.set(context, state.reply);
      return context;
    },
  };
}
