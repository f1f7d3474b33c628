/** A small gateway for tests: Fastify + this surface + a real core pipeline + backend-openai against the simulator. */
import type { AddressInfo } from 'node:net';
import apiKeyAuth from '@llm-gateway/auth-api-key';
import backendOpenAI from '@llm-gateway/backend-openai';
import { createPipeline } from '@llm-gateway/core';
import { type AuthScheme, type Backend, isDisabled, type Pipeline, silentLogger } from '@llm-gateway/spec';
import {
  createTestSurfaceHost,
  type Simulator,
  startOpenAISimulator,
  type TestSurfaceHost,
} from '@llm-gateway/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import plugin from '../index.js';

export const models = ['gpt-4o-mini', 'gpt-4o'];

export interface TestGateway {
  app: FastifyInstance;
  sim: Simulator;
  test: TestSurfaceHost;
  /** `http://127.0.0.1:PORT` once `listen()` ran. */
  url: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** API keys; none means the surface has no auth scheme (anonymous). */
  keys?: string[];
  /** Replaces the real pipeline (to script answers the simulator cannot give). */
  pipeline?: (real: Pipeline) => Pipeline;
  /** Routes another surface would add beside this one (an unconstrained GET /v1/models). */
  beside?: (app: FastifyInstance) => void;
  bodyLimit?: number;
}

async function apiKeyScheme(keys: string[]): Promise<AuthScheme> {
  const created = await apiKeyAuth.create(apiKeyAuth.configSchema.parse({ keys }), {
    instanceName: 'keys',
    log: silentLogger,
  });
  if (isDisabled(created)) throw new Error(created.reason);
  return created;
}

export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const sim = await startOpenAISimulator({ models, apiKey: 'sk-upstream' });
  const backend = await backendOpenAI.create(
    backendOpenAI.configSchema.parse({ apiKey: 'sk-upstream', baseURL: `${sim.url}/v1`, models }),
    { instanceName: 'openai', log: silentLogger },
  );
  if (isDisabled(backend)) throw new Error(backend.reason);
  const real = createPipeline({
    backends: new Map<string, Backend>([['openai', backend]]),
    routing: { defaultModel: 'gpt-4o-mini', models: { 'gpt-4o-mini': 'openai', 'gpt-4o': 'openai' } },
    log: silentLogger,
    timeoutMs: 10_000,
  });
  const test = createTestSurfaceHost({
    pipeline: options.pipeline ? options.pipeline(real) : real,
    authSchemes: options.keys ? [await apiKeyScheme(options.keys)] : [],
    instanceName: 'anthropic',
  });
  const surface = await plugin.create(plugin.configSchema.parse({}), test.host);
  if (isDisabled(surface)) throw new Error(surface.reason);
  const app = Fastify({ bodyLimit: options.bodyLimit ?? 1024 * 1024 });
  app.addHook('onResponse', async (request, reply) => {
    const context = test.contextOf(request);
    if (context) test.finished.push({ context, status: reply.statusCode });
  });
  options.beside?.(app);
  await app.register(async (scope) => surface.register(scope));
  await app.ready();

  const gateway: TestGateway = {
    app,
    sim,
    test,
    url: '',
    async listen() {
      await app.listen({ host: '127.0.0.1', port: 0 });
      gateway.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      return gateway.url;
    },
    async close() {
      await app.close();
      await real.close();
      await sim.close();
    },
  };
  return gateway;
}
