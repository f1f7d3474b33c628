import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { gatewayErrorResponseSchema } from './errors.js';

export type MetricsFormat = 'prometheus' | 'json';

export interface MetricsRouteOptions {
  registry: Registry;
  defaultFormat: MetricsFormat;
  /**
   * The JSON form: the server passes the DeepSeek gateway seed's body (circuit_breaker, rate_limiter,
   * cache_enabled, streaming_enabled); without one, prom-client's own JSON.
   */
  json?: () => Promise<unknown>;
  /** The Prometheus text (default the registry's); a cluster worker serves every worker's sums. */
  prometheus?: () => Promise<string>;
}

/** `?format=` wins, then an Accept header that asks for JSON or text, then the profile's default. */
export function chooseFormat(request: FastifyRequest, fallback: MetricsFormat): MetricsFormat {
  const format = (request.query as Record<string, unknown> | undefined)?.format;
  if (format === 'json' || format === 'prometheus') return format;
  const accept = request.headers.accept ?? '';
  if (accept.includes('application/json')) return 'json';
  if (accept.includes('text/plain') || accept.includes('application/openmetrics-text')) return 'prometheus';
  return fallback;
}

export function registerMetricsRoute(app: FastifyInstance, options: MetricsRouteOptions): void {
  const json = options.json ?? (() => options.registry.getMetricsAsJSON());
  const prometheus = options.prometheus ?? (() => options.registry.metrics());
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Metrics: Prometheus text, or JSON with ?format=json / Accept: application/json',
        tags: ['gateway'],
        querystring: {
          type: 'object',
          properties: { format: { type: 'string', enum: ['prometheus', 'json'] } },
        },
        response: {
          200: {
            description: 'The metrics in the chosen format.',
            content: {
              'text/plain': { schema: { type: 'string', description: 'Prometheus exposition format.' } },
              // No type: Fastify serializes the JSON form as it is (an object here, an array in prom-client's own).
              'application/json': { schema: { description: 'The metrics as JSON.' } },
            },
          },
          400: gatewayErrorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      if (chooseFormat(request, options.defaultFormat) === 'json') return reply.send(await json());
      return reply.type(options.registry.contentType).send(await prometheus());
    },
  );
}
