import {
  anonymousPrincipal,
  type ChatRequest,
  type FastifyInstance,
  type FastifyRequest,
  type GatewayErrorType,
  isGatewayError,
  type Principal,
  type RequestContext,
  type Surface,
  type SurfaceHost,
} from '@llm-gateway/spec';
import type { DspConfig } from './config.js';
import {
  httpError,
  installFastApiBodyParser,
  installFastApiErrorHandler,
  RequestValidationError,
  validate,
} from './fastapi-errors.js';
import { type GenerateRequest, generateRequest } from './requests.js';
import { generateRouteSchema, reloadRouteSchema } from './schemas.js';

/** The endpoint names a client configuration's `allowed_endpoints` lists. */
export const ENDPOINTS = { generate: 'generate', reload: 'clients/reload' } as const;

function errorType(error: unknown, status: number): GatewayErrorType {
  if (isGatewayError(error)) return error.type;
  if (error instanceof RequestValidationError || status === 422) return 'invalid_request';
  if (status === 413) return 'payload_too_large';
  return status >= 500 ? 'internal' : 'invalid_request';
}

/** Where a generate request goes and with what limits, after the client's and the service's defaults. */
export interface ResolvedGenerate {
  provider: string | undefined;
  model: string | undefined;
  maxTokens: number;
  temperature: number;
}

export function resolveGenerate(
  body: GenerateRequest,
  principal: Principal,
  config: DspConfig,
): ResolvedGenerate {
  const defaults = principal.defaults ?? {};
  const provider = body.provider || defaults.provider || config.defaultProvider;
  if (
    provider !== undefined &&
    principal.allowedProviders &&
    !principal.allowedProviders.includes(provider)
  ) {
    throw httpError(403, `Client not allowed to use provider: ${provider}`);
  }
  const limit = defaults.maxTokensLimit;
  let maxTokens: number;
  if (body.max_tokens != null) {
    // An explicit request over the limit is refused rather than silently shortened.
    if (limit !== undefined && body.max_tokens > limit) {
      throw httpError(400, `max_tokens exceeds client limit of ${limit}`);
    }
    maxTokens = body.max_tokens;
  } else {
    const fallback = defaults.maxTokens ?? config.defaultMaxTokens;
    maxTokens = limit === undefined ? fallback : Math.min(fallback, limit);
  }
  return {
    provider,
    model: body.model?.trim() || defaults.model || config.defaultModel,
    maxTokens,
    temperature: body.temperature ?? config.defaultTemperature,
  };
}

export function createDspSurface(config: DspConfig, host: SurfaceHost): Surface {
  const contexts = new WeakMap<FastifyRequest, RequestContext>();

  function track(request: FastifyRequest, endpoint: string, principal: Principal): RequestContext {
    const context = host.createContext(request, { endpoint, principal });
    contexts.set(request, context);
    return context;
  }

  /** Every request gets its context (and so its telemetry record) before anything can fail. */
  const begin = (endpoint: string) => async (request: FastifyRequest) => {
    track(request, endpoint, anonymousPrincipal);
  };

  /** Authenticates the client and checks it may use the endpoint. */
  async function authorize(request: FastifyRequest, endpoint: string): Promise<RequestContext> {
    let principal: Principal;
    try {
      principal = await host.authenticate({
        headers: request.headers,
        query: (request.query ?? {}) as Record<string, unknown>,
      });
    } catch (error) {
      if (isGatewayError(error) && error.code === 'missing_credentials') {
        throw httpError(401, 'Missing client_id or client_secret header');
      }
      throw error;
    }
    const context = track(request, endpoint, principal);
    if (principal.allowedEndpoints && !principal.allowedEndpoints.includes(endpoint)) {
      throw httpError(403, `Client not allowed to access endpoint: ${endpoint}`);
    }
    return context;
  }

  async function register(app: FastifyInstance): Promise<void> {
    installFastApiBodyParser(app);
    // Bodies are validated with zod after authentication (FastAPI's order); the JSON schemas only document.
    app.setValidatorCompiler(() => (data) => ({ value: data }));
    installFastApiErrorHandler(app, (request, error, status) => {
      const context = contexts.get(request);
      if (context) context.annotations.errorType ??= errorType(error, status);
    });

    const reloadable = host.authSchemes.filter((scheme) => scheme.reload !== undefined);
    if (reloadable.length === 0)
      host.log.warn('no auth scheme of this surface reloads: /api/v1/clients/reload counts 0');

    app.post(
      '/api/v1/generate',
      { schema: generateRouteSchema, onRequest: begin(ENDPOINTS.generate) },
      async (request) => {
        const context = await authorize(request, ENDPOINTS.generate);
        const body = validate(generateRequest, request.body);
        const target = resolveGenerate(body, context.principal, config);
        const model = target.model ?? host.pipeline.defaultModel ?? '';
        const chat: ChatRequest = {
          // A provider is a backend instance: `<backend>/<model>` addresses it directly.
          model: target.provider && model ? `${target.provider}/${model}` : model,
          messages: [{ role: 'user', content: body.prompt }],
          maxTokens: target.maxTokens,
          temperature: target.temperature,
        };
        const { result } = await host.pipeline.chat(chat, context);
        return {
          text: result.text,
          model,
          usage: {
            prompt_tokens: result.usage.promptTokens,
            completion_tokens: result.usage.completionTokens,
            total_tokens: result.usage.totalTokens,
          },
        };
      },
    );

    app.get(
      '/api/v1/clients/reload',
      { schema: reloadRouteSchema, onRequest: begin(ENDPOINTS.reload) },
      async (request) => {
        const context = await authorize(request, ENDPOINTS.reload);
        let count = 0;
        for (const scheme of reloadable) {
          try {
            const outcome = await scheme.reload!();
            count += outcome.count;
            for (const problem of outcome.errors)
              context.log.warn({ scheme: scheme.name, problem }, 'client file skipped');
          } catch (error) {
            context.log.error({ err: error, scheme: scheme.name }, 'reloading client configurations failed');
            throw httpError(500, 'Failed to reload client configurations');
          }
        }
        context.log.info({ count, by: context.principal.id }, 'client configurations reloaded');
        return { message: `Successfully reloaded ${count} client configurations`, count };
      },
    );
  }

  return { name: host.instanceName, register };
}
