import { type AuthFailureThrottle, createAuthFailureThrottle } from '@llm-gateway/core';
import { type AuthScheme, anonymousPrincipal, type Logger, type SurfaceHost } from '@llm-gateway/spec';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerSettings } from '../profile/server-section.js';
import { claimedIdentity } from './claimed-identity.js';
import type { PipelineFeatures } from './pipeline-features.js';

/** Failed logins counted per address and claimed identity, under a higher ceiling per address. */
export interface LoginThrottle {
  /** Throws the 429 while this identity at this address, or the whole address, is blocked. */
  check(address: string, identity: string): Promise<void>;
  /** False when `check` would pass for any request (see AuthFailureThrottle.mayBlock): it may be skipped. */
  mayBlock(): boolean;
  fail(address: string, identity: string): Promise<void>;
}

/** The `auto` address ceiling: this many clients behind one NAT may each fail up to the limit. */
const autoAddressFactor = 10;

/** The per-address ceiling the settings name (`auto`: ten times the per-identity limit). */
export function addressLimitOf(settings: ServerSettings['authFailures']): number {
  const { addressLimit, limit } = settings;
  return addressLimit === 'auto' ? limit * autoAddressFactor : Math.max(addressLimit, limit);
}

/** The profile's `server.authFailures`, on the rate limits' Redis when they use one. */
export function buildAuthThrottle(
  settings: ServerSettings['authFailures'],
  features: PipelineFeatures,
  log: Logger,
): LoginThrottle | undefined {
  if (!settings.enabled) return undefined;
  const redis = features.stores.rateLimit === 'redis' ? features.redis : undefined;
  const counter = (limit: number, keyPrefix: string): AuthFailureThrottle =>
    createAuthFailureThrottle({
      ...(redis ? { store: 'redis', redis } : { store: 'memory' }),
      limit,
      windowSeconds: settings.windowSeconds,
      blockSeconds: settings.blockSeconds,
      keyPrefix,
      log,
    });
  const perIdentity = counter(settings.limit, 'llmgw:authfail-id');
  const perAddress = counter(addressLimitOf(settings), 'llmgw:authfail');
  const pair = (address: string, identity: string) => `${address}|${identity}`;
  return {
    mayBlock: () => perAddress.mayBlock() || perIdentity.mayBlock(),
    async check(address, identity) {
      await Promise.all([perAddress.check(address), perIdentity.check(pair(address, identity))]);
    },
    async fail(address, identity) {
      await Promise.all([perAddress.fail(address), perIdentity.fail(pair(address, identity))]);
    },
  };
}

export interface ThrottleScope {
  /** The surface's enabled schemes, whose credentials name the identity a request claims. */
  schemes: readonly AuthScheme[];
  allowQueryCredentials: boolean;
}

/**
 * On one surface's scope: an identity (or address) with too many 401s gets 429 before any scheme runs
 * (no scrypt, no JWT check), rendered by the surface's own error handler; every 401 it answers is counted.
 * Counting answers, not scheme calls, covers every scheme and token endpoint alike.
 */
export function installAuthThrottle(
  scope: FastifyInstance,
  throttle: LoginThrottle,
  host: Pick<SurfaceHost, 'createContext'>,
  surface: ThrottleScope,
): void {
  const identityOf = (request: FastifyRequest) =>
    claimedIdentity(surface.schemes, {
      headers: request.headers,
      query: (request.query ?? {}) as Record<string, unknown>,
      allowQueryCredentials: surface.allowQueryCredentials,
    });
  // Callback-style hooks: an async hook costs a promise per request even when there is nothing to do.
  scope.addHook('onRequest', (request, _reply, done) => {
    // No failure counted lately (memory store): nothing can be blocked, so no identity to work out.
    if (!throttle.mayBlock()) return done();
    throttle.check(request.ip, identityOf(request)).then(
      () => done(),
      (error: unknown) => {
        // The request still gets its telemetry record, as any rejected one does.
        const endpoint = request.routeOptions.url ?? request.url;
        host.createContext(request, { endpoint, principal: anonymousPrincipal }).annotations.errorType =
          'rate_limited';
        done(error as Error);
      },
    );
  });
  scope.addHook('onResponse', (request, reply, done) => {
    if (reply.statusCode !== 401) return done();
    throttle.fail(request.ip, identityOf(request)).then(
      () => done(),
      (error: unknown) => done(error as Error),
    );
  });
}
