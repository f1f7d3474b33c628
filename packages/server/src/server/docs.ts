import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export interface DocsOptions {
  service: { name: string; version: string };
  /** Swagger UI path, e.g. `/docs`. */
  path: string;
  /** ReDoc page path (default `/redoc`); its script is served under it. */
  redocPath?: string;
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
  registerRedoc(app, { title: options.service.name, path: options.redocPath ?? '/redoc' });
}

/** `GET /openapi.json`, the document of every mounted route; call once all routes are registered. */
export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** The self-contained ReDoc build (React and all), from the `redoc` package. */
export const redocBundlePath = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => htmlEscapes[char]!);

/**
 * The page: no fonts, scripts or images from elsewhere. The CSP also keeps ReDoc's footer logo (a CDN
 * image it hides itself when it fails) from being fetched; styles are inline and search runs in a blob worker.
 */
const redocPolicy = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "worker-src 'self' blob:",
  "frame-ancestors 'self'",
].join('; ');

export function redocPage(title: string, scriptUrl: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - ReDoc</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="${escapeHtml(scriptUrl)}"></script>
</body>
</html>
`;
}

/** `GET /redoc` (ReDoc over /openapi.json) and its script, both from this process. */
function registerRedoc(app: FastifyInstance, options: { title: string; path: string }): void {
  const scriptUrl = `${options.path}/redoc.standalone.js`;
  const page = redocPage(options.title, scriptUrl);
  // About 1 MB, read on first use and kept: most processes never serve it.
  let bundle: Promise<Buffer> | undefined;
  app.get(options.path, { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-security-policy', redocPolicy).type('text/html; charset=utf-8');
    return page;
  });
  app.get(scriptUrl, { schema: { hide: true } }, async (_request, reply) => {
    bundle ??= readFile(redocBundlePath).catch((error: unknown) => {
      bundle = undefined;
      throw error;
    });
    reply.header('cache-control', 'public, max-age=3600').type('application/javascript; charset=utf-8');
    return bundle;
  });
}
