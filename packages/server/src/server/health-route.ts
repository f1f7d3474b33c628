import type { Pipeline } from '@llm-gateway/spec';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Extra health facts from a component (sinks, queue, breakers); `healthy: false` turns the answer 503. */
export type HealthContributor = () => Promise<HealthContribution> | HealthContribution;
export interface HealthContribution {
  fields: Record<string, unknown>;
  healthy?: boolean;
}

export interface HealthRouteOptions {
  service: { name: string; version: string };
  pipeline: Pipeline;
  /** Every configured backend instance, in profile order. */
  backends: Readonly<Record<string, 'enabled' | 'disabled'>>;
  contributors: readonly HealthContributor[];
  /** Whether the contributors' fields (breakers, queue, sinks) are shown; they still decide the status. */
  showDetails?: (request: FastifyRequest) => boolean;
  /** How long the model list is reused; backends may ask their upstream for it. */
  modelsTtlMs?: number;
}

const healthSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    status: { type: 'string', enum: ['healthy', 'unhealthy'] },
    service: { type: 'string' },
    version: { type: 'string' },
    backend: { type: ['string', 'null'] },
    model: { type: ['string', 'null'] },
    available_models: { type: 'array', items: { type: 'string' } },
    backends: { type: 'object', additionalProperties: { type: 'string', enum: ['enabled', 'disabled'] } },
    redis_connected: { type: ['boolean', 'null'] },
    model_loaded: { type: 'boolean' },
  },
} as const;

/** `GET /health`: a superset of every seed's health fields; 200 while serving, 503 otherwise. */
export function registerHealthRoute(app: FastifyInstance, options: HealthRouteOptions): void {
  const ttl = options.modelsTtlMs ?? 30_000;
  let cached: { at: number; ids: Promise<string[]> } | undefined;
  const availableModels = (): Promise<string[]> => {
    if (cached && Date.now() - cached.at < ttl) return cached.ids;
    const ids = options.pipeline.models().then(
      (models) => models.map((model) => model.id),
      () => {
        cached = undefined;
        return [];
      },
    );
    cached = { at: Date.now(), ids };
    return ids;
  };

  app.get(
    '/health',
    {
      schema: {
        summary: 'Service health',
        tags: ['gateway'],
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (request, reply) => {
      const enabled = Object.entries(options.backends).filter(([, state]) => state === 'enabled');
      const contributions = await Promise.all(options.contributors.map((contribute) => contribute()));
      const serving = enabled.length > 0 && contributions.every((part) => part.healthy !== false);
      const body: Record<string, unknown> = {
        status: serving ? 'healthy' : 'unhealthy',
        service: options.service.name,
        version: options.service.version,
        backend: enabled[0]?.[0] ?? null,
        model: options.pipeline.defaultModel ?? null,
        available_models: enabled.length > 0 ? await availableModels() : [],
        backends: options.backends,
        // null without Redis; the pipeline features' contribution says true/false when they use it.
        redis_connected: null,
        model_loaded: enabled.length > 0,
      };
      if (options.showDetails?.(request) ?? true)
        for (const part of contributions) Object.assign(body, part.fields);
      return reply.code(serving ? 200 : 503).send(body);
    },
  );
}
