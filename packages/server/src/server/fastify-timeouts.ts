import type { ServerSettings } from '../profile/server-section.js';

/** Node checks request and header deadlines on this interval (its 30 s default let slow headers live ~80 s). */
function checkingIntervalMs(settings: ServerSettings): number {
  const deadlines = [settings.requestTimeoutMs, settings.headersTimeoutMs].filter((ms) => ms > 0);
  return Math.max(100, Math.min(1000, ...deadlines.map((ms) => Math.floor(ms / 4))));
}

/**
 * The Fastify and node:http options that bound how long a client may take: the request (headers and
 * body) must arrive in time; once received, answering it (a long stream included) is not limited here.
 */
export function fastifyTimeouts(settings: ServerSettings) {
  return {
    requestTimeout: settings.requestTimeoutMs,
    // Fastify reads 0 as "use my default", so "off" is passed as the largest timer node accepts.
    keepAliveTimeout: settings.keepAliveTimeoutMs || 2_147_483_647,
    connectionTimeout: settings.connectionTimeoutMs,
    maxRequestsPerSocket: settings.maxRequestsPerSocket,
    http: {
      requestTimeout: settings.requestTimeoutMs,
      headersTimeout: settings.headersTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(settings),
    },
  };
}
