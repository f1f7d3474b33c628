import { createFastApiScope, httpError, validate } from '@llm-gateway/plugin-kit/fastapi-errors';
import {
  type AuthScheme,
  type ChatRequest,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  isGatewayError,
  type Surface,
  type SurfaceHost,
} from '@llm-gateway/spec';
import type { DgenPingConfig } from './config.js';
import { completionRequest, telemetryEvent, tokenRequest, verifyTokenRequest } from './requests.js';
import {
  completionRouteSchema,
  generateTokenRouteSchema,
  generateTokenSimpleRouteSchema,
  infoRouteSchema,
  telemetryRouteSchema,
  verifyTokenRouteSchema,
} from './schemas.js';
import { secretsEqual } from './secret.js';

/** dgen-ping's development token (ALLOW_DEFAULT_TOKEN). */
const DEFAULT_TOKEN = '1';

const round = (ms: number) => Math.round(ms * 100) / 100;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function createDgenPingSurface(config: DgenPingConfig, host: SurfaceHost): Surface {
  const scope = createFastApiScope(host, { missingCredentialsDetail: 'Missing X-API-Token header' });
  const issuer: AuthScheme | undefined = host.authSchemes.find((scheme) => scheme.issueToken !== undefined);
  const verifier: AuthScheme | undefined = host.authSchemes.find(
    (scheme) => scheme.verifyToken !== undefined,
  );
  let defaultTokenAllowed: Promise<boolean> | undefined;
  const begin = scope.begin;

  function requireTokenSecret(request: FastifyRequest): void {
    if (config.tokenSecret === undefined) {
      throw httpError(503, 'Token endpoints are disabled: no token secret is configured');
    }
    const given = header(request, 'x-token-secret');
    if (!given) throw httpError(401, 'Missing X-Token-Secret header');
    if (!secretsEqual(given, config.tokenSecret)) throw httpError(401, 'Invalid token secret');
  }

  async function issue(body: unknown) {
    const { soeid, project_id } = validate(tokenRequest, body);
    if (!issuer?.issueToken)
      throw httpError(503, 'Token issuing is not available: no token-issuing auth scheme');
    const projectId = project_id?.trim() || undefined;
    const token = await issuer.issueToken(soeid.trim(), projectId ? { project_id: projectId } : undefined);
    return {
      token,
      token_type: 'bearer',
      soeid: soeid.trim(),
      ...(projectId ? { project_id: projectId } : {}),
    };
  }

  /** Whether the token `1` gets in: asked of the schemes themselves once, so /info never disagrees with them. */
  function probeDefaultToken(): Promise<boolean> {
    defaultTokenAllowed ??= (async () => {
      for (const scheme of host.authSchemes) {
        try {
          const principal = await scheme.authenticate({
            headers: { 'x-api-token': DEFAULT_TOKEN },
            query: {},
            allowQueryCredentials: false,
          });
          if (principal) return principal.kind === 'development';
        } catch {
          return false;
        }
      }
      return false;
    })();
    return defaultTokenAllowed;
  }

  async function completion(endpoint: string, request: FastifyRequest, reply: FastifyReply) {
    const context = await scope.authenticate(request, endpoint);
    const body = validate(completionRequest, request.body);
    const soeid = body.soeid.trim();
    // A user's token acts only for that user; the development token and API keys name no SOEID.
    if (context.principal.kind === 'user' && context.principal.id !== soeid) {
      throw httpError(403, 'Token does not belong to this soeid');
    }
    context.annotations.projectName = body.project_name;
    const chat: ChatRequest = {
      model: body.model?.trim() || config.defaultModel || host.pipeline.defaultModel || '',
      messages: [{ role: 'user', content: body.prompt }],
      maxTokens: body.max_tokens ?? config.defaultMaxTokens,
      temperature: body.temperature ?? config.defaultTemperature,
    };
    const { result, meta } = await host.pipeline.chat(chat, context);
    return {
      request_id: context.requestId,
      soeid,
      project_name: body.project_name,
      model: meta.requestedModel,
      completion: result.text,
      finish_reason: result.finishReason,
      usage: {
        prompt_tokens: result.usage.promptTokens,
        completion_tokens: result.usage.completionTokens,
        total_tokens: result.usage.totalTokens,
      },
      latency_ms: round(reply.elapsedTime),
      llm_latency_ms: round(context.annotations.llmLatencyMs ?? 0),
      backend: meta.backend,
    };
  }

  // Off by default (it issues a token for any SOEID without a secret): say so, and how to switch it on.
  const simpleTokenDisabled =
    '/generate-token-simple is disabled on this gateway: it issues a token for any SOEID without a secret. ' +
    'Use POST /generate-token with X-Token-Secret, or enable it for development with ' +
    `surfaces.${host.instanceName}.config.simpleTokenEndpoint: true (SIMPLE_TOKEN_ENDPOINT=true in the shipped profiles)`;

  async function register(app: FastifyInstance): Promise<void> {
    scope.install(app);

    if (config.simpleTokenEndpoint) {
      host.log.warn(
        'POST /generate-token-simple is ON: anyone can get a token for any SOEID. Development only.',
      );
    }
    if (!issuer) host.log.warn('no auth scheme of this surface issues tokens: /generate-token answers 503');
    if (config.tokenSecret === undefined) {
      host.log.warn('no tokenSecret configured: /generate-token and /verify-token answer 503');
    }

    app.post(
      '/api/llm/completion',
      { schema: completionRouteSchema(false), onRequest: begin('completion') },
      (request, reply) => completion('completion', request, reply),
    );
    app.post(
      '/api/llm/chat',
      { schema: completionRouteSchema(true), onRequest: begin('chat') },
      (request, reply) => completion('chat', request, reply),
    );

    app.post(
      '/generate-token',
      { schema: generateTokenRouteSchema, onRequest: begin('generate-token') },
      async (request) => {
        requireTokenSecret(request);
        return issue(request.body);
      },
    );

    app.post(
      '/generate-token-simple',
      {
        schema: generateTokenSimpleRouteSchema(config.simpleTokenEndpoint),
        onRequest: begin('generate-token-simple'),
      },
      async (request) => {
        if (!config.simpleTokenEndpoint) throw httpError(403, simpleTokenDisabled);
        return issue(request.body);
      },
    );

    app.post(
      '/verify-token',
      { schema: verifyTokenRouteSchema, onRequest: begin('verify-token') },
      async (request) => {
        requireTokenSecret(request);
        const { token } = validate(verifyTokenRequest, request.body);
        if (!verifier?.verifyToken)
          throw httpError(503, 'Token verification is not available: no token-verifying auth scheme');
        try {
          const principal = await verifier.verifyToken(token);
          const projectId = principal.attributes?.project_id;
          return { valid: true, soeid: principal.id, ...(projectId ? { project_id: projectId } : {}) };
        } catch (error) {
          if (isGatewayError(error) && error.type === 'authentication')
            return { valid: false, detail: error.message };
          throw error;
        }
      },
    );

    app.post(
      '/telemetry',
      { schema: telemetryRouteSchema, onRequest: begin('telemetry') },
      async (request) => {
        const context = await scope.authenticate(request, 'telemetry');
        const event = validate(telemetryEvent, request.body);
        // The event is this request's one record (its `event` field), stored under the request's id.
        context.annotations.event = event;
        if (typeof event.project_name === 'string' && event.project_name !== '')
          context.annotations.projectName = event.project_name;
        return { status: 'logged', request_id: context.requestId };
      },
    );

    app.get('/info', { schema: infoRouteSchema, onRequest: begin('info') }, async (request) => {
      const [models, defaultToken] = await Promise.all([host.pipeline.models(), probeDefaultToken()]);
      return {
        service: host.service.name,
        version: host.service.version,
        surface: host.instanceName,
        default_model: config.defaultModel ?? host.pipeline.defaultModel ?? null,
        models: models.map((model) => model.id),
        auth: 'jwt',
        default_token_allowed: defaultToken,
        simple_token_endpoint: config.simpleTokenEndpoint,
        default_max_tokens: config.defaultMaxTokens,
        default_temperature: config.defaultTemperature,
        endpoints: [
          '/api/llm/completion',
          '/api/llm/chat',
          '/generate-token',
          ...(config.simpleTokenEndpoint ? ['/generate-token-simple'] : []),
          '/verify-token',
          '/telemetry',
          '/info',
        ],
        telemetry: (host.showsDetails?.(request) ?? true) ? (host.telemetryStatus?.() ?? null) : null,
      };
    });
  }

  return { name: host.instanceName, register };
}
