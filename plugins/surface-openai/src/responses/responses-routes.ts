import {
  type CallMeta,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type Principal,
  principalKey,
  type RequestContext,
  type SurfaceHost,
} from '@llm-gateway/spec';
import { invalid } from '../translate-request.js';
import { nowSeconds } from '../translate-response.js';
import { convertResponsesInput } from './convert-responses-input.js';
import { completedResponse, responseObject, responsesId } from './map-responses-output.js';
import { MemorySharedStore } from './memory-shared-store.js';
import { checkBackground, isPending, withTaskState } from './responses-background.js';
import type { ResponsesConfig } from './responses-config.js';
import { conversationAfter, inputItemsPage, inputItemsWithIds } from './responses-conversation.js';
import { chatRequestFromResponses, tuningWireNames } from './responses-request.js';
import {
  cancelResponseRouteSchema,
  createResponseRouteSchema,
  deleteResponseRouteSchema,
  getResponseRouteSchema,
  inputItemsRouteSchema,
} from './responses-schemas.js';
import { ResponsesStore, responseNotFound, type StoredResponse } from './responses-store.js';
import { sendResponsesStream } from './responses-stream.js';
import { ResponsesStreamEncoder } from './responses-stream-encoder.js';
import type { WireInputItem, WireResponsesBody } from './responses-wire.js';

/** What the surface shares with these routes: its auth hook, its per-request state and its headers. */
export interface ResponsesRouteDeps {
  host: SurfaceHost;
  config: ResponsesConfig;
  defaultModel: string | undefined;
  authenticateFor(endpoint: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  authenticated(request: FastifyRequest): { principal: Principal; context: RequestContext };
  gatewayHeaders(reply: FastifyReply, meta: CallMeta): void;
}

/** Lists what did not reach the backend, in Responses names: the surface's own drops and the pipeline's. */
function droppedParamsHeader(reply: FastifyReply, context: RequestContext, dropped: readonly string[]): void {
  const names = new Set([
    ...dropped,
    ...(context.annotations.droppedTuning ?? []).map((name) => tuningWireNames[name]),
  ]);
  if (names.size > 0) reply.header('x-gateway-dropped-params', [...names].join(', '));
}

export function registerResponsesRoutes(app: FastifyInstance, deps: ResponsesRouteDeps): void {
  const { host, config } = deps;
  if (!host.sharedStore && host.worker !== undefined)
    host.log.warn(
      'stored responses are kept per process without redis.url: with several server workers a GET or previous_response_id may miss them',
    );
  const store = new ResponsesStore(
    host.sharedStore ??
      new MemorySharedStore({ maxEntries: config.memoryMaxEntries, maxBytes: config.memoryMaxBytes }),
    { ttlMs: config.ttlSeconds * 1000, maxRecordBytes: config.maxRecordBytes },
  );

  /** Saves after the answer is out: a failure is logged, never turned into an error the client already missed. */
  async function keep(record: StoredResponse, context: RequestContext): Promise<void> {
    try {
      if (!(await store.save(record)))
        context.log.warn(
          { response: record.response.id },
          'response too large to store; it cannot be continued',
        );
    } catch (error) {
      context.log.warn({ err: error, response: record.response.id }, 'storing a response failed');
    }
  }

  async function previousConversation(
    body: WireResponsesBody,
    principal: Principal,
  ): Promise<WireInputItem[]> {
    const id = body.previous_response_id;
    if (!id) return [];
    const previous = await store.load(id, principal);
    if (!previous)
      throw invalid(
        `Previous response with id '${id}' not found.`,
        'previous_response_id',
        'previous_response_not_found',
      );
    if (isPending(previous))
      throw invalid(`Previous response '${id}' has not finished yet.`, 'previous_response_id');
    return conversationAfter(previous);
  }

  async function create(request: FastifyRequest, reply: FastifyReply) {
    const { principal, context } = deps.authenticated(request);
    const body = request.body as WireResponsesBody;
    const stored = body.store !== false;
    const history = await previousConversation(body, principal);
    const inputItems = inputItemsWithIds(body.input);
    const {
      request: chat,
      customNames,
      dropped,
    } = chatRequestFromResponses(
      body,
      principal,
      deps.defaultModel,
      convertResponsesInput(history, 'previous_response_id'),
    );
    const record = (response: StoredResponse['response'], taskId?: string): StoredResponse => ({
      owner: principalKey(principal),
      response,
      inputItems,
      history,
      customNames: [...customNames],
      ...(taskId === undefined ? {} : { taskId }),
    });
    // Refused before any upstream call: a conversation this long could not be continued anyway.
    if (stored && JSON.stringify([history, inputItems]).length > store.maxRecordBytes)
      throw invalid(
        `The conversation is longer than this gateway stores (${store.maxRecordBytes} bytes): send store: false or start a new one.`,
        body.previous_response_id ? 'previous_response_id' : 'input',
      );
    const base = responseObject(body, {
      id: responsesId('resp'),
      createdAt: nowSeconds(),
      model: chat.model,
      status: 'in_progress',
      store: stored,
      background: body.background === true,
    });

    if (body.background) {
      const queue = checkBackground(body, chat, host.queue);
      await host.pipeline.admit?.(context);
      const taskId = await queue.submit({ request: chat, principal, surface: host.instanceName });
      const queued = { ...base, status: 'queued' as const };
      await store.save(record(queued, taskId));
      return queued;
    }
    if (body.stream) {
      const outcome = await host.pipeline.stream(chat, context);
      deps.gatewayHeaders(reply, outcome.meta);
      droppedParamsHeader(reply, context, dropped);
      const encoder = new ResponsesStreamEncoder(
        { ...base, model: outcome.meta.requestedModel },
        customNames,
      );
      const final = await sendResponsesStream(reply, outcome, encoder, context);
      if (final && stored) await keep(record(final), context);
      return reply;
    }
    const { result, meta } = await host.pipeline.chat(chat, context);
    deps.gatewayHeaders(reply, meta);
    droppedParamsHeader(reply, context, dropped);
    const response = completedResponse(
      { ...base, model: meta.requestedModel },
      result,
      result.usage,
      customNames,
    );
    if (stored) await keep(record(response), context);
    return response;
  }

  /** The caller's stored response, its background task's progress applied (and kept once it ended). */
  async function current(request: FastifyRequest): Promise<StoredResponse> {
    const { principal, context } = deps.authenticated(request);
    const { id } = request.params as { id: string };
    const record = await store.load(id, principal);
    if (!record) throw responseNotFound(id);
    if (!isPending(record) || record.taskId === undefined || !host.queue) return record;
    const updated = withTaskState(record, await host.queue.get(record.taskId));
    if (updated !== record) await keep(updated, context);
    return updated;
  }

  async function retrieve(request: FastifyRequest) {
    return (await current(request)).response;
  }

  async function remove(request: FastifyRequest) {
    const { principal } = deps.authenticated(request);
    const { id } = request.params as { id: string };
    if (!(await store.remove(id, principal))) throw responseNotFound(id);
    return { id, object: 'response', deleted: true };
  }

  async function inputItems(request: FastifyRequest) {
    const record = await current(request);
    return inputItemsPage(
      record.inputItems,
      request.query as { limit?: string; order?: 'asc' | 'desc'; after?: string },
    );
  }

  /** Marks a queued or running background response cancelled; the queue has no way to stop a task that began. */
  async function cancel(request: FastifyRequest) {
    const { context } = deps.authenticated(request);
    const record = await current(request);
    if (!record.response.background)
      throw invalid('Only background responses can be cancelled.', 'response_id', 'not_background');
    if (!isPending(record)) return record.response;
    const cancelled: StoredResponse = { ...record, response: { ...record.response, status: 'cancelled' } };
    await store.save(cancelled);
    context.log.debug({ response: record.response.id }, 'background response cancelled');
    return cancelled.response;
  }

  const hook = deps.authenticateFor('responses');
  app.post('/v1/responses', { schema: createResponseRouteSchema, onRequest: hook }, create);
  app.get('/v1/responses/:id', { schema: getResponseRouteSchema, onRequest: hook }, retrieve);
  app.delete('/v1/responses/:id', { schema: deleteResponseRouteSchema, onRequest: hook }, remove);
  app.get('/v1/responses/:id/input_items', { schema: inputItemsRouteSchema, onRequest: hook }, inputItems);
  app.post('/v1/responses/:id/cancel', { schema: cancelResponseRouteSchema, onRequest: hook }, cancel);
}
