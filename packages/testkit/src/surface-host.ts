/**
 * A SurfaceHost built the way the server builds one (auth schemes composed in order, one context
 * per request), plus the records it would turn into telemetry, for tests of a surface on its own.
 */
import swagger from '@fastify/swagger';
import {
  type AuthScheme,
  anonymousPrincipal,
  GatewayError,
  isDisabled,
  type Pipeline,
  type Principal,
  type RequestContext,
  type Surface,
  type SurfaceHost,
  type SurfacePlugin,
  silentLogger,
  type TaskQueue,
  type TelemetryRecord,
} from '@llm-gateway/spec';
import Fastify, { type FastifyInstance, type FastifyRequest, type LightMyRequestResponse } from 'fastify';

export interface TestSurfaceHost {
  host: SurfaceHost;
  /** Custom records sent through emitTelemetry. */
  emitted: TelemetryRecord[];
  /** Contexts of finished requests, with the status they ended with (what the server's record is built from). */
  finished: Array<{ context: RequestContext; status: number }>;
  contextOf(request: FastifyRequest): RequestContext | undefined;
}

export interface TestSurfaceHostOptions {
  pipeline: Pipeline;
  authSchemes: AuthScheme[];
  instanceName: string;
  /** The async-mode queue, for surfaces that submit tasks. */
  queue?: TaskQueue;
  /** Lets schemes read credentials from the query string, as the profile's surface option does. */
  allowQueryCredentials?: boolean;
}

export function createTestSurfaceHost(options: TestSurfaceHostOptions): TestSurfaceHost {
  const contexts = new WeakMap<FastifyRequest, RequestContext>();
  const emitted: TelemetryRecord[] = [];
  const finished: Array<{ context: RequestContext; status: number }> = [];
  const { authSchemes } = options;
  const host: SurfaceHost = {
    instanceName: options.instanceName,
    log: silentLogger,
    pipeline: options.pipeline,
    authSchemes,
    ...(options.queue ? { queue: options.queue } : {}),
    service: { name: 'llm-gateway-test', version: '9.9.9' },
    async authenticate(input): Promise<Principal> {
      if (authSchemes.length === 0) return anonymousPrincipal;
      for (const scheme of authSchemes) {
        const principal = await scheme.authenticate({
          ...input,
          allowQueryCredentials: options.allowQueryCredentials ?? false,
        });
        if (principal) return principal;
      }
      throw new GatewayError('authentication', 'Missing credentials', { code: 'missing_credentials' });
    },
    emitTelemetry(record) {
      emitted.push(record);
    },
    createContext(request, { endpoint, principal }) {
      const existing = contexts.get(request);
      if (existing) {
        existing.endpoint = endpoint;
        existing.principal = principal;
        return existing;
      }
      const context: RequestContext = {
        requestId: String(request.id),
        surface: options.instanceName,
        endpoint,
        principal,
        signal: new AbortController().signal,
        log: silentLogger,
        annotations: {},
      };
      contexts.set(request, context);
      return context;
    },
  };
  return { host, emitted, finished, contextOf: (request) => contexts.get(request) };
}

/** A Fastify app whose `swagger()` gives the OpenAPI document of the surface's routes. */
export type SurfaceApp = FastifyInstance & { swagger(): unknown };

/** A Fastify app with swagger (for /openapi.json checks) and the surface in its own scope, as the server mounts it. */
export async function buildSurfaceApp(
  surface: Surface,
  test: TestSurfaceHost,
  bodyLimit = 64 * 1024,
): Promise<SurfaceApp> {
  const app = Fastify({ bodyLimit });
  await app.register(swagger, { openapi: { info: { title: 'test', version: '1' } } });
  app.addHook('onResponse', async (request, reply) => {
    const context = test.contextOf(request);
    if (context) test.finished.push({ context, status: reply.statusCode });
  });
  await app.register(async (scope) => surface.register(scope));
  await app.ready();
  return app;
}

/** A surface plugin created from a raw config (parsed by its schema) on a test host, mounted on its own app. */
export async function mountSurface<Config>(
  plugin: SurfacePlugin<Config>,
  config: unknown,
  options: TestSurfaceHostOptions & { bodyLimit?: number },
): Promise<{ app: SurfaceApp; test: TestSurfaceHost }> {
  const test = createTestSurfaceHost(options);
  const surface = await plugin.create(plugin.configSchema.parse(config), test.host);
  if (isDisabled(surface)) throw new Error(`${plugin.name} is disabled: ${surface.reason}`);
  return { app: await buildSurfaceApp(surface, test, options.bodyLimit), test };
}

/** POSTs a JSON body through `app.inject`; a string payload is sent as it is (malformed JSON, arrays). */
export function postJson(
  app: FastifyInstance,
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}
