import { createRouteAuth, headerValue, isTaskId, isTaskOf, logRequestFailure } from '@llm-gateway/plugin-kit';
import {
  type CallMeta,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  GatewayError,
  type Surface,
  type SurfaceHost,
} from '@llm-gateway/spec';
import { fitsTask, prefersAsync, taskBody, taskCompletionBody, taskLocation } from './async-tasks.js';
import type { OpenAISurfaceConfig } from './config.js';
import { embeddingsBody, embeddingsRequestFrom, type WireEmbeddingsBody } from './embeddings.js';
import { embeddingsRouteSchema } from './embeddings-schemas.js';
import { renderError } from './openai-errors.js';
import { withFromCache } from './relay-body.js';
import { registerResponsesRoutes } from './responses/index.js';
import {
  chatCompletionsRouteSchema,
  completionsRouteSchema,
  modelRouteSchema,
  modelsRouteSchema,
  taskRouteSchema,
} from './schemas.js';
import { sendStream } from './stream-response.js';
import {
  chatRequestFromChat,
  chatRequestFromCompletion,
  wantsStream,
  wantsUsage,
} from './translate-request.js';
import {
  chatChunkFormat,
  chatCompletionBody,
  completionBody,
  completionChunkFormat,
  modelBody,
} from './translate-response.js';
import type { WireChatBody, WireCompletionBody } from './wire.js';

/** The upstream's JSON answer as it came. */
function relayedBody(reply: FastifyReply, body: Uint8Array): Buffer {
  reply.header('content-type', 'application/json');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function createOpenAISurface(config: OpenAISurfaceConfig, host: SurfaceHost): Surface {
  const defaultModel = config.defaultModel ?? host.pipeline.defaultModel;
  const { authenticateFor, authenticated, known: knownRequest } = createRouteAuth(host);

  function gatewayHeaders(reply: FastifyReply, meta: CallMeta): void {
    if (!config.exposeBackendHeader) return;
    reply.header('x-gateway-backend', headerValue(meta.backend));
    reply.header('x-gateway-model', headerValue(meta.model));
  }

  async function chatCompletions(request: FastifyRequest, reply: FastifyReply) {
    const { principal, context } = authenticated(request);
    const body = request.body as WireChatBody;
    const chat = chatRequestFromChat(body, principal, defaultModel);
    // RFC 7240: a preference the server may ignore; streams and queue-less gateways answer at once.
    if (host.queue && !wantsStream(body) && prefersAsync(request.headers.prefer) && fitsTask(chat)) {
      await host.pipeline.admit?.(context);
      const id = await host.queue.submit({ request: chat, principal, surface: host.instanceName });
      const state = { id, status: 'queued' as const, createdAt: Date.now() };
      reply
        .code(202)
        .header('location', taskLocation(request.url, id))
        .header('preference-applied', 'respond-async');
      return taskBody(state);
    }
    // An OpenAI-wire backend's answer goes out as it came (the pipeline drops the ask for any other).
    chat.relay = { wire: 'openai-chat', usageEvent: wantsUsage(body) };
    if (wantsStream(body)) {
      const outcome = await host.pipeline.stream(chat, context);
      gatewayHeaders(reply, outcome.meta);
      const format = chatChunkFormat(outcome.meta.requestedModel);
      await sendStream(reply, outcome, format, { includeUsage: wantsUsage(body), context });
      return reply;
    }
    const { result, meta } = await host.pipeline.chat(chat, context);
    gatewayHeaders(reply, meta);
    const relayed = result.relay?.wire === 'openai-chat' ? result.relay.body : undefined;
    const answer = relayed && config.usageFromCache ? withFromCache(relayed) : relayed;
    if (answer !== undefined) return relayedBody(reply, answer);
    return chatCompletionBody(result, meta);
  }

  async function completions(request: FastifyRequest, reply: FastifyReply) {
    const { principal, context } = authenticated(request);
    const body = request.body as WireCompletionBody;
    const chat = chatRequestFromCompletion(body, principal, defaultModel);
    if (wantsStream(body)) {
      const outcome = await host.pipeline.stream(chat, context);
      gatewayHeaders(reply, outcome.meta);
      const format = completionChunkFormat(outcome.meta.requestedModel);
      await sendStream(reply, outcome, format, { includeUsage: wantsUsage(body), context });
      return reply;
    }
    const { result, meta } = await host.pipeline.chat(chat, context);
    gatewayHeaders(reply, meta);
    return completionBody(result, meta);
  }

  async function embeddings(request: FastifyRequest, reply: FastifyReply) {
    const { context } = authenticated(request);
    const body = request.body as WireEmbeddingsBody;
    if (!host.pipeline.embed) throw new GatewayError('not_found', 'This gateway serves no embeddings.');
    const { result, meta } = await host.pipeline.embed(embeddingsRequestFrom(body), context);
    gatewayHeaders(reply, meta);
    return embeddingsBody(result, meta, body.encoding_format);
  }

  /** GET /v1/tasks/{id}: the chat completion once done (200), the task while it runs (202) or failed. */
  async function retrieveTask(request: FastifyRequest, reply: FastifyReply) {
    const { principal } = authenticated(request);
    const { id } = request.params as { id: string };
    // Only ids the gateway issues reach the queue (a store's own key names never do).
    const state = isTaskId(id) ? await host.queue?.get(id) : undefined;
    if (!state || !isTaskOf(state, principal)) {
      throw new GatewayError('not_found', `No task found with id '${id}'.`, { code: 'task_not_found' });
    }
    if (state.status === 'completed') return taskCompletionBody(state);
    if (state.status !== 'failed') reply.code(202).header('retry-after', '1');
    return taskBody(state);
  }

  async function listModels() {
    const models = await host.pipeline.models();
    return { object: 'list', data: models.map(modelBody) };
  }

  async function retrieveModel(request: FastifyRequest) {
    const id = (request.params as Record<string, string | undefined>)['*'] ?? '';
    const model = (await host.pipeline.models()).find((candidate) => candidate.id === id);
    if (!model) {
      throw new GatewayError('not_found', `The model '${id}' does not exist.`, {
        code: 'model_not_found',
        param: 'model',
      });
    }
    return modelBody(model);
  }

  return {
    name: host.instanceName,
    async register(app: FastifyInstance) {
      app.setErrorHandler<Error>((error, request, reply) => {
        const rendered = renderError(error);
        const known = knownRequest(request);
        if (known) known.context.annotations.errorType ??= rendered.gatewayType;
        const log = known?.context.log ?? host.log;
        if (rendered.status >= 500) logRequestFailure(log, error, 'openai surface request failed');
        else log.debug({ status: rendered.status, type: rendered.body.error.type }, 'request rejected');
        return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
      });

      app.post(
        '/v1/chat/completions',
        { schema: chatCompletionsRouteSchema, onRequest: authenticateFor('chat.completions') },
        chatCompletions,
      );
      app.post(
        '/v1/completions',
        { schema: completionsRouteSchema, onRequest: authenticateFor('completions') },
        completions,
      );
      app.post(
        '/v1/embeddings',
        { schema: embeddingsRouteSchema, onRequest: authenticateFor('embeddings') },
        embeddings,
      );
      if (host.queue)
        app.get(
          '/v1/tasks/:id',
          { schema: taskRouteSchema, onRequest: authenticateFor('tasks') },
          retrieveTask,
        );
      registerResponsesRoutes(app, {
        host,
        config: config.responses,
        defaultModel,
        authenticateFor,
        authenticated,
        gatewayHeaders,
      });
      app.get('/v1/models', { schema: modelsRouteSchema, onRequest: authenticateFor('models') }, listModels);
      app.get(
        '/v1/models/*',
        { schema: modelRouteSchema, onRequest: authenticateFor('models') },
        retrieveModel,
      );
    },
  };
}
