import {
  type Authenticator,
  type AuthScheme,
  anonymousPrincipal,
  GatewayError,
  type Logger,
  type Pipeline,
  type Principal,
  type RequestContext,
  type SurfaceHost,
  type TaskQueue,
  type TelemetryRecord,
} from '@llm-gateway/spec';
import type { FastifyRequest } from 'fastify';

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
  emitTelemetry(record: TelemetryRecord): void;
  service: { name: string; version: string };
}

export function createSurfaceHost(options: SurfaceHostOptions): SurfaceHost {
  const surface = options.instanceName;
  return {
    instanceName: surface,
    log: options.log,
    pipeline: options.pipeline,
    authenticate: options.authenticate,
    authSchemes: options.authSchemes,
    ...(options.queue ? { queue: options.queue } : {}),
    emitTelemetry: options.emitTelemetry,
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
      return context;
    },
  };
}
