import { createServer, type Server } from 'node:http';
import type { GatewayServer } from '../server/build-server.js';

/** The routes a worker process serves on its metrics port: what Prometheus and a health probe read. */
const served = new Set(['/metrics', '/health', '/livez', '/readyz']);

/**
 * `WORKER_METRICS_PORT`: a `gateway worker` answers GET /metrics and /health on that port (host
 * `WORKER_METRICS_HOST`, default 127.0.0.1). The task histograms (queue wait, processing time, tokens per
 * second) are observed where tasks run, so an API-only gateway's /metrics lacks them: Prometheus scrapes
 * each worker here too. Answers come from the worker's own routes (admin keys apply as configured).
 */
export async function serveWorkerMetrics(
  gateway: GatewayServer,
  port: number,
  host: string,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' || !served.has(path)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'accept']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    gateway.app.inject({ method: 'GET', url: req.url ?? path, headers }).then(
      (answer) => {
        const type = answer.headers['content-type'];
        res.writeHead(answer.statusCode, typeof type === 'string' ? { 'content-type': type } : {});
        res.end(answer.rawPayload);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** The metrics port from the environment; undefined when unset, an error when it is not a port. */
export function workerMetricsPort(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env['WORKER_METRICS_PORT'];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`WORKER_METRICS_PORT must be a port number (0-65535), got "${raw}"`);
  return port;
}
