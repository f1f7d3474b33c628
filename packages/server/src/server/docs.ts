import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export interface DocsOptions {
  service: { name: string; version: string };
  /** Swagger UI path, e.g. `/docs`. */
  path: string;
}

/** Collects every route's schema into an OpenAPI 3 document; must be registered before the routes. */
export async function registerDocs(app: FastifyInstance, options: DocsOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: options.service.name, version: options.service.version },
    },
  });
  // Assets come from the package itself: the docs work offline.
  await app.register(swaggerUi, { routePrefix: options.path, uiConfig: { deepLinking: true } });
}

/** `GET /openapi.json`, the document of every mounted route; call once all routes are registered. */
export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
