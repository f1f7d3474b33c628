/** A small gateway for tests: Fastify + this surface + a real core pipeline + backend-openai against the simulator. */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import apiKeyAuth from '@llm-gateway/auth-api-key';
import backendOpenAI from '@llm-gateway/backend-openai';
import { createPipeline } from '@llm-gateway/core';
import {
  type AuthScheme,
  anonymousPrincipal,
  type Backend,
  GatewayError,
  isDisabled,
  type Pipeline,
  type RequestContext,
  type SurfaceHost,
  silentLogger,
  type TaskQueue,
} from '@llm-gateway/spec';
import { type Simulator, type SimulatorOptions, startOpenAISimulator } from '@llm-gateway/testkit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import plugin from '../index.js';

export const models = ['gpt-4o-mini', 'gpt-4o'];

export interface TestGateway {
  app: FastifyInstance;
  sim: Simulator;
  pipeline: Pipeline;
  /** Contexts the surface asked for, in order. */
  contexts: RequestContext[];
  /** `http://127.0.0.1:PORT` once `listen()` ran. */
  url: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** API keys; none means the surface has no auth scheme (anonymous). */
  keys?: string[];
  bodyLimit?: number;
  exposeBackendHeader?: boolean;
  /** Options of the upstream simulator (latency, chunk delay, reply text). */
  simulator?: SimulatorOptions;
  /** Replaces the real pipeline (to script failures the simulator cannot produce). */
  pipeline?: (real: Pipeline) => Pipeline;
  /** The async-mode queue (`Prefer: respond-async`); the test starts its workers. */
  queue?: TaskQueue;
  /** false: the pipeline drops relay asks, every answer is translated (server.relay). */
  relay?: boolean;
}

async function apiKeyScheme(keys: string[]): Promise<AuthScheme> {
  const created = await apiKeyAuth.create(apiKeyAuth.configSchema.parse({ keys }), {
    instanceName: 'keys',
    log: silentLogger,
  });
  if (isDisabled(created)) throw new Error(created.reason);
  return created;
}

/** Composes schemes the way the server does: the first principal wins; none configured means anonymous. */
function authenticator(schemes: readonly AuthScheme[]): SurfaceHost['authenticate'] {
  return async (input) => {
    if (schemes.length === 0) return anonymousPrincipal;
    for (const scheme of schemes) {
      const principal = await scheme.authenticate({ ...input, allowQueryCredentials: false });
      if (principal) return principal;
    }
    throw new GatewayError('authentication', 'Missing API key', { code: 'missing_api_key' });
  };
}

export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const sim = await startOpenAISimulator({ ...options.simulator, models, apiKey: 'sk-upstream' });
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
    ...(options.relay === undefined ? {} : { relay: options.relay }),
  });
  const pipeline = options.pipeline ? options.pipeline(real) : real;
  const schemes = options.keys ? [await apiKeyScheme(options.keys)] : [];

  const app = Fastify({ bodyLimit: options.bodyLimit ?? 1024 * 1024 });
  const aborts = new WeakMap<FastifyRequest, AbortController>();
  const contextsByRequest = new WeakMap<FastifyRequest, RequestContext>();
  const contexts: RequestContext[] = [];
  app.addHook('onRequest', async (request, reply) => {
    const controller = new AbortController();
    aborts.set(request, controller);
    // The client went away before the response ended: abort upstream work.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
  });

  const host: SurfaceHost = {
    instanceName: 'openai',
    log: silentLogger,
    pipeline,
    authenticate: authenticator(schemes),
    authSchemes: schemes,
    ...(options.queue ? { queue: options.queue } : {}),
    emitTelemetry: () => {},
    service: { name: 'llm-gateway', version: '0.0.0-test' },
    createContext(request, { endpoint, principal }) {
      const existing = contextsByRequest.get(request);
      if (existing) {
        existing.endpoint = endpoint;
        existing.principal = principal;
        return existing;
      }
      const context: RequestContext = {
        requestId: randomUUID(),
        surface: 'openai',
        endpoint,
        principal,
        signal: aborts.get(request)?.signal ?? new AbortController().signal,
        log: silentLogger,
        annotations: {},
      };
      contextsByRequest.set(request, context);
      contexts.push(context);
      return context;
    },
  };
  const config = plugin.configSchema.parse(
    options.exposeBackendHeader === undefined ? {} : { exposeBackendHeader: options.exposeBackendHeader },
  );
  const surface = await plugin.create(config, host);
  if (isDisabled(surface)) throw new Error(surface.reason);
  await app.register(async (scope) => surface.register(scope));
  await app.ready();

  const gateway: TestGateway = {
    app,
    sim,
    pipeline,
    contexts,
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
