import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
const assetsDir = fileURLToPath(new URL('../../assets/dashboard/', import.meta.url));

/** Every file the page loads, read once at start: served offline, no CDN. */
function dashboardFiles(): Record<string, { type: string; body: Buffer }> {
  const own = (name: string) => readFileSync(`${assetsDir}${name}`);
  return {
    'dashboard.js': { type: 'text/javascript; charset=utf-8', body: own('dashboard.js') },
    'dashboard.css': { type: 'text/css; charset=utf-8', body: own('dashboard.css') },
    'uPlot.iife.min.js': {
      type: 'text/javascript; charset=utf-8',
      body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')),
    },
    'uPlot.min.css': {
      type: 'text/css; charset=utf-8',
      body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')),
    },
  };
}

/** `GET /admin/`: the usage dashboard; its data comes from /admin/usage, /health and /metrics. */
export function registerDashboardRoute(app: FastifyInstance): void {
  const page = readFileSync(`${assetsDir}index.html`);
  const files = dashboardFiles();
  const hidden = { hide: true };
  app.get('/admin', { schema: hidden }, async (_request, reply) => reply.redirect('/admin/'));
  app.get('/admin/', { schema: hidden }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page),
  );
  app.get<{ Params: { file: string } }>('/admin/assets/:file', { schema: hidden }, async (request, reply) => {
    const file = files[request.params.file];
    if (!file) return reply.callNotFound();
    return reply.type(file.type).send(file.body);
  });
}
