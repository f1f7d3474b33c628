import { type AuthFailureThrottle, createAuthFailureThrottle } from '@llm-gateway/core';
import { anonymousPrincipal, type Logger, type SurfaceHost } from '@llm-gateway/spec';
import type { FastifyInstance } from 'fastify';
import type { ServerSettings } from '../profile/server-section.js';
import type { PipelineFeatures } from './pipeline-features.js';

/** The profile's `server.authFailures`, on the rate limits' Redis when they use one. */
export function buildAuthThrottle(
  settings: ServerSettings['authFailures'],
  features: PipelineFeatures,
  log: Logger,
): AuthFailureThrottle | undefined {
  if (!settings.enabled) return undefined;
  const redis = features.stores.rateLimit === 'redis' ? features.redis : undefined;
  return createAuthFailureThrottle({
    ...(redis ? { store: 'redis', redis } : { store: 'memory' }),
    limit: settings.limit,
    windowSeconds: settings.windowSeconds,
    blockSeconds: settings.blockSeconds,
    log,
  });
}

/**
 * On one surface's scope: an address with too many 401s gets 429 before any scheme runs (no scrypt,
 * no JWT check), rendered by the surface's own error handler; every 401 it answers is counted.
 * Counting answers, not scheme calls, covers every scheme and token endpoint alike.
 */
export function installAuthThrottle(
  scope: FastifyInstance,
  throttle: AuthFailureThrottle,
  host: Pick<SurfaceHost, 'createContext'>,
): void {
  scope.addHook('onRequest', async (request) => {
    try {
      await throttle.check(request.ip);
    } catch (error) {
      // The request still gets its telemetry record, as any rejected one does.
      const endpoint = request.routeOptions.url ?? request.url;
      host.createContext(request, { endpoint, principal: anonymousPrincipal }).annotations.errorType =
        'rate_limited';
      throw error;
    }
  });
  scope.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401) await throttle.fail(request.ip);
  });
}
