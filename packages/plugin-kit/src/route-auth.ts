import {
  type AuthInput,
  anonymousPrincipal,
  type FastifyReply,
  type FastifyRequest,
  GatewayError,
  type Principal,
  type RequestContext,
  type SurfaceHost,
} from '@llm-gateway/spec';

/** Who a request is and its pipeline context, once its route's auth hook ran. */
export interface Authenticated {
  principal: Principal;
  context: RequestContext;
}

export interface RouteAuthOptions {
  /** Response headers that carry the request id (`x-request-id`; Anthropic's `request-id` too). */
  requestIdHeaders?: readonly string[];
  /** The headers the surface's schemes read, from the request's (e.g. a credential offered under another name). */
  authHeaders?: (headers: AuthInput['headers']) => AuthInput['headers'];
}

export interface RouteAuth {
  /**
   * An `onRequest` hook for `endpoint`: builds the context first (so even a rejected request is recorded),
   * authenticates with the surface's schemes, then checks the principal's `allowedEndpoints`.
   */
  authenticateFor(endpoint: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** The request's principal and context in a handler; an internal error if its hook never ran. */
  authenticated(request: FastifyRequest): Authenticated;
  /** The same, or undefined (an error handler's view: the request may have failed before its hook). */
  known(request: FastifyRequest): Authenticated | undefined;
}

/** Route authentication as the JSON-API surfaces (OpenAI, Anthropic) share it. */
export function createRouteAuth(host: SurfaceHost, options: RouteAuthOptions = {}): RouteAuth {
  const requests = new WeakMap<FastifyRequest, Authenticated>();
  const idHeaders = options.requestIdHeaders ?? ['x-request-id'];
  const authHeaders = options.authHeaders ?? ((headers) => headers);
  return {
    authenticateFor(endpoint) {
      return async (request, reply) => {
        const early = host.createContext(request, { endpoint, principal: anonymousPrincipal });
        for (const name of idHeaders) reply.header(name, early.requestId);
        requests.set(request, { principal: anonymousPrincipal, context: early });
        const principal = await host.authenticate({
          headers: authHeaders(request.headers),
          query: (request.query ?? {}) as Record<string, unknown>,
        });
        const allowed = principal.allowedEndpoints;
        if (allowed && !allowed.includes(endpoint) && !allowed.includes(request.routeOptions.url ?? '')) {
          throw new GatewayError('permission', `This credential may not use ${endpoint}.`, {
            code: 'endpoint_not_allowed',
          });
        }
        requests.set(request, { principal, context: host.createContext(request, { endpoint, principal }) });
      };
    },
    authenticated(request) {
      const found = requests.get(request);
      if (!found) throw new GatewayError('internal', 'request reached a handler without authentication');
      return found;
    },
    known: (request) => requests.get(request),
  };
}
