import {
  GatewayError,
  type Principal,
  type RequestContext,
  type SurfaceHost,
  silentLogger,
} from '@llm-gateway/spec';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createRouteAuth } from './route-auth.js';

function hostFor(principal: Principal | undefined, seen: Array<Record<string, unknown>>) {
  const contexts: RequestContext[] = [];
  const host = {
    async authenticate(input: { headers: Record<string, unknown> }) {
      seen.push(input.headers);
      if (!principal) throw new GatewayError('authentication', 'no');
      return principal;
    },
    createContext(
      _request: unknown,
      { endpoint, principal: who }: { endpoint: string; principal: Principal },
    ) {
      const existing = contexts[0];
      if (existing) return Object.assign(existing, { endpoint, principal: who });
      const context: RequestContext = {
        requestId: 'req-1',
        surface: 's',
        endpoint,
        principal: who,
        signal: new AbortController().signal,
        log: silentLogger,
        annotations: {},
      };
      contexts.push(context);
      return context;
    },
  } as unknown as SurfaceHost;
  return { host, contexts };
}

async function appWith(host: SurfaceHost, options = {}) {
  const auth = createRouteAuth(host, options);
  const app = Fastify();
  app.setErrorHandler((error: GatewayError, request, reply) =>
    reply.code(error.status ?? 500).send({ type: error.type, known: auth.known(request)?.context.endpoint }),
  );
  app.get(
    '/x',
    { onRequest: auth.authenticateFor('x') },
    async (request) => auth.authenticated(request).principal,
  );
  await app.ready();
  return app;
}

describe('createRouteAuth', () => {
  it('records the request before authenticating, so a refused one still has its context', async () => {
    const { host, contexts } = hostFor(undefined, []);
    const response = await (await appWith(host)).inject('/x');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ type: 'authentication', known: 'x' });
    expect(response.headers['x-request-id']).toBe('req-1');
    expect(contexts[0]?.principal.kind).toBe('anonymous');
  });

  it("refuses an endpoint outside the principal's allowedEndpoints with 403", async () => {
    const principal: Principal = { id: 'p', kind: 'api_key', scheme: 'k', allowedEndpoints: ['other'] };
    const response = await (await appWith(hostFor(principal, []).host)).inject('/x');
    expect(response.statusCode).toBe(403);
  });

  it('hands the handler the principal, with the configured id headers and auth headers', async () => {
    const principal: Principal = { id: 'p', kind: 'api_key', scheme: 'k' };
    const seen: Array<Record<string, unknown>> = [];
    const app = await appWith(hostFor(principal, seen).host, {
      requestIdHeaders: ['request-id'],
      authHeaders: (headers: Record<string, unknown>) => ({ ...headers, authorization: 'Bearer mapped' }),
    });
    const response = await app.inject('/x');
    expect(response.json()).toEqual(principal);
    expect(response.headers['request-id']).toBe('req-1');
    expect(seen[0]?.authorization).toBe('Bearer mapped');
  });
});
