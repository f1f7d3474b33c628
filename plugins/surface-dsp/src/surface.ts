import { createFastApiScope, httpError, validate } from '@llm-gateway/plugin-kit/fastapi-errors';
import type {
  ChatRequest,
  FastifyInstance,
  FastifyRequest,
  Principal,
  ReloadFileNote,
  RequestContext,
  Surface,
  SurfaceHost,
} from '@llm-gateway/spec';
import type { DspConfig } from './config.js';
import { type GenerateRequest, generateRequest } from './requests.js';
import { generateRouteSchema, reloadRouteSchema } from './schemas.js';

/** The endpoint names a client configuration's `allowed_endpoints` lists. */
export const ENDPOINTS = { generate: 'generate', reload: 'clients/reload' } as const;

/** Administrative endpoints: only a client whose `allowed_endpoints` names them may call them. */
const adminEndpoints: ReadonlySet<string> = new Set([ENDPOINTS.reload]);

/** A client file without `allowed_endpoints` may use every endpoint but the administrative ones. */
export function mayAccess(allowedEndpoints: readonly string[] | undefined, endpoint: string): boolean {
  return allowedEndpoints ? allowedEndpoints.includes(endpoint) : !adminEndpoints.has(endpoint);
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
  const scope = createFastApiScope(host, {
    missingCredentialsDetail: 'Missing client_id or client_secret header',
  });
  const begin = scope.begin;

  /** Authenticates the client and checks it may use the endpoint. */
  async function authorize(request: FastifyRequest, endpoint: string): Promise<RequestContext> {
    const context = await scope.authenticate(request, endpoint);
    if (!mayAccess(context.principal.allowedEndpoints, endpoint)) {
      throw httpError(403, `Client not allowed to access endpoint: ${endpoint}`);
    }
    return context;
  }

  async function register(app: FastifyInstance): Promise<void> {
    scope.install(app);

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
        const skipped: ReloadFileNote[] = [];
        const warnings: ReloadFileNote[] = [];
        for (const scheme of reloadable) {
          try {
            const outcome = await scheme.reload!();
            count += outcome.count;
            skipped.push(
              ...(outcome.skipped ?? outcome.errors.map((reason) => ({ file: scheme.name, reason }))),
            );
            warnings.push(...(outcome.warnings ?? []));
          } catch (error) {
            context.log.error({ err: error, scheme: scheme.name }, 'reloading client configurations failed');
            throw httpError(500, 'Failed to reload client configurations');
          }
        }
        context.log.info(
          { count, skipped: skipped.length, by: context.principal.id },
          'client configurations reloaded',
        );
        // The seed's two fields, plus what a migrating operator needs: which files were left out and why.
        return { message: `Successfully reloaded ${count} client configurations`, count, skipped, warnings };
      },
    );
  }

  return { name: host.instanceName, register };
}
