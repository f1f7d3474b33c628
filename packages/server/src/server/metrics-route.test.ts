import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { installErrorHandlers } from './errors.js';
import { registerMetricsRoute } from './metrics-route.js';

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function metricsApp(json?: () => Promise<unknown>): Promise<FastifyInstance> {
  const registry = new Registry();
  new Counter({ name: 'demo_total', help: 'demo', registers: [registry] }).inc();
  app = Fastify();
  await app.register(swagger, { openapi: { openapi: '3.0.3', info: { title: 't', version: '1' } } });
  installErrorHandlers(app);
  registerMetricsRoute(app, { registry, defaultFormat: 'prometheus', ...(json ? { json } : {}) });
  await app.ready();
  return app;
}

describe('GET /metrics', () => {
  it('documents each answer it gives: Prometheus text, JSON, and the 400 of an unknown format', async () => {
    const server = await metricsApp();
    const operation = (server.swagger() as { paths: Record<string, { get: { responses: object } }> }).paths[
      '/metrics'
    ]?.get;
    expect(operation?.responses).toMatchObject({
      200: { content: { 'text/plain': {}, 'application/json': {} } },
      400: { content: { 'application/json': {} } },
    });
    const text = await server.inject('/metrics');
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.body).toMatch(/^demo_total 1$/m);
    const bad = await server.inject('/metrics?format=xml');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { type: 'invalid_request' } });
  });

  it('sends the JSON form unchanged by the response schema, object or array', async () => {
    const body = { circuit_breaker: { state: 'closed', nested: [1, { deep: true }] }, cache_enabled: false };
    const seeded = await metricsApp(async () => body);
    expect((await seeded.inject('/metrics?format=json')).json()).toEqual(body);
    await seeded.close();
    const own = await metricsApp();
    const metrics = (await own.inject('/metrics?format=json')).json() as Array<{ name: string }>;
    expect(metrics.map((metric) => metric.name)).toEqual(['demo_total']);
  });
});
