import { createRouteAuth, headerValue, logRequestFailure } from '@llm-gateway/plugin-kit';
import {
  type CallMeta,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  GatewayError,
  type RequestContext,
  type Surface,
  type SurfaceHost,
} from '@llm-gateway/spec';
import { renderError } from './anthropic-errors.js';
import { addAnthropicApiConstraint, anthropicApiConstraint } from './anthropic-version-constraint.js';
import { authInputHeaders } from './auth-headers.js';
import type { AnthropicSurfaceConfig } from './config.js';
import {
  convertMessagesCall,
  convertMessagesRequest,
  droppedParamsHeader,
} from './convert-messages-request.js';
import { responseBody } from './messages-response.js';
import { modelBody, modelsPage, type PageQuery } from './models-page.js';
import {
  countTokensRouteSchema,
  messagesRouteSchema,
  modelParamsSchema,
  modelsQuerySchema,
} from './schemas.js';
import { sendMessagesStream } from './send-messages-stream.js';
import type { WireCountTokensBody, WireMessagesBody } from './wire.js';

export function createAnthropicSurface(config: AnthropicSurfaceConfig, host: SurfaceHost): Surface {
  const defaultModel = config.defaultModel ?? host.pipeline.defaultModel;
  // Anthropic's clients read `request-id`; the gateway's own header is sent as well.
  const { authenticateFor, authenticated, known } = createRouteAuth(host, {
    requestIdHeaders: ['request-id', 'x-request-id'],
    authHeaders: authInputHeaders,
  });

  /** Which upstream answered, and the tuning parameters it did not take (in Anthropic's field names). */
  function gatewayHeaders(reply: FastifyReply, meta: CallMeta, context: RequestContext): void {
    const dropped = droppedParamsHeader(context.annotations.droppedTuning);
    if (dropped) reply.header('x-gateway-dropped-params', dropped);
    if (!config.exposeBackendHeader) return;
    reply.header('x-gateway-backend', headerValue(meta.backend));
    reply.header('x-gateway-model', headerValue(meta.model));
  }

  async function messages(request: FastifyRequest, reply: FastifyReply) {
    const { principal, context } = authenticated(request);
    const body = request.body as WireMessagesBody;
    const chat = convertMessagesCall(body, principal, defaultModel);
    if (body.stream === true) {
      const outcome = await host.pipeline.stream(chat, context);
      gatewayHeaders(reply, outcome.meta, context);
      await sendMessagesStream(reply, outcome, context);
      return reply;
    }
    const { result, meta } = await host.pipeline.chat(chat, context);
    gatewayHeaders(reply, meta, context);
    // The upstream's Message as it came (the backend speaks this wire and nothing needed rewriting).
    if (result.relay?.wire === 'anthropic-messages')
      return reply.header('content-type', 'application/json; charset=utf-8').send(result.relay.body);
    return responseBody(result, meta);
  }

  async function countTokens(request: FastifyRequest) {
    const { principal, context } = authenticated(request);
    if (!host.pipeline.countTokens) throw new GatewayError('not_found', 'This gateway counts no tokens.');
    const chat = convertMessagesRequest(request.body as WireCountTokensBody, principal, defaultModel);
    return { input_tokens: await host.pipeline.countTokens(chat, context) };
  }

  async function listModels(request: FastifyRequest) {
    const query = request.query as { limit?: string; after_id?: string; before_id?: string };
    const page: PageQuery = { limit: query.limit === undefined ? 20 : Number(query.limit) };
    if (query.after_id !== undefined) page.after_id = query.after_id;
    if (query.before_id !== undefined) page.before_id = query.before_id;
    return modelsPage(await host.pipeline.models(), page);
  }

  async function retrieveModel(request: FastifyRequest) {
    const id = (request.params as Record<string, string | undefined>)['*'] ?? '';
    const model = (await host.pipeline.models()).find((candidate) => candidate.id === id);
    if (!model) throw new GatewayError('not_found', `model: ${id}`, { code: 'model_not_found' });
    return modelBody(model);
  }

  return {
    name: host.instanceName,
    async register(app: FastifyInstance) {
      addAnthropicApiConstraint(app);
      app.setErrorHandler<Error>((error, request, reply) => {
        const found = known(request);
        const rendered = renderError(error, found?.context.requestId);
        if (found) found.context.annotations.errorType ??= rendered.gatewayType;
        const log = found?.context.log ?? host.log;
        if (rendered.status >= 500) logRequestFailure(log, error, 'anthropic surface request failed');
        else log.debug({ status: rendered.status, type: rendered.body.error.type }, 'request rejected');
        return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
      });

      app.post(
        '/v1/messages',
        { schema: messagesRouteSchema, onRequest: authenticateFor('messages') },
        messages,
      );
      app.post(
        '/v1/messages/count_tokens',
        { schema: countTokensRouteSchema, onRequest: authenticateFor('messages.count_tokens') },
        countTokens,
      );
      // Hidden from /openapi.json: the OpenAI surface documents GET /v1/models, served without the header.
      const models = { constraints: anthropicApiConstraint, onRequest: authenticateFor('models') };
      const listSchema = { hide: true, querystring: modelsQuerySchema };
      const retrieveSchema = { hide: true, params: modelParamsSchema };
      app.get('/v1/models', { ...models, schema: listSchema }, listModels);
      app.get('/v1/models/*', { ...models, schema: retrieveSchema }, retrieveModel);
    },
  };
}
