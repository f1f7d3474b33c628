import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The route constraint of Anthropic-shaped routes that share a path with another surface (`GET /v1/models`). */
export const anthropicApiConstraint = { anthropicApi: 'messages' } as const;

/**
 * Requests carrying `anthropic-version` (every Anthropic SDK sends it) match routes constrained with
 * {@link anthropicApiConstraint}; all others fall through to the unconstrained route of the same path.
 * The router is shared by every surface, so it is added once, whichever surface instance comes first.
 */
export function addAnthropicApiConstraint(app: FastifyInstance): void {
  if (app.hasConstraintStrategy('anthropicApi')) return;
  app.addConstraintStrategy({
    name: 'anthropicApi',
    mustMatchWhenDerived: false,
    storage() {
      const handlers = new Map<string, unknown>();
      return {
        get: (value: string) => handlers.get(value) ?? null,
        set: (value: string, store: unknown) => {
          handlers.set(value, store);
        },
      };
    },
    deriveConstraint: (request: FastifyRequest['raw']) =>
      request.headers['anthropic-version'] === undefined ? undefined : 'messages',
  } as Parameters<FastifyInstance['addConstraintStrategy']>[0]);
}
