import { isTaskId, isTaskOf } from '@llm-gateway/plugin-kit';
import {
  createFastApiScope,
  fastApiErrorType,
  httpError,
  installFastApiBodyParser,
  renderFastApiError,
  validate,
} from '@llm-gateway/plugin-kit/fastapi-errors';
import {
  anonymousPrincipal,
  type ChatRequest,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  isGatewayError,
  type RequestContext,
  type Surface,
  type SurfaceHost,
  type TaskQueue,
  type TaskState,
} from '@llm-gateway/spec';
import type { InferenceConfig } from './config.js';
import { generateRequest } from './requests.js';
import { generateSchema, taskEvents, taskRouteSchema } from './schemas.js';
import { QUEUED_MESSAGE, resultBody, statusBody } from './task-bodies.js';
import { streamTask } from './task-stream.js';

/** The seed's rate-limit answer (slowapi's), not FastAPI's `detail` shape. */
export const RATE_LIMIT_BODY = { error: 'Rate limit exceeded', status_code: 429 } as const;

export function createInferenceSurface(config: InferenceConfig, host: SurfaceHost): Surface {
  const queue: TaskQueue | undefined = host.queue;
  if (!queue)
    throw new Error(
      'surface-inference runs tasks: the profile needs a `queue` section (queue-memory or queue-bullmq)',
    );
  const tasks = queue;
  const scope = createFastApiScope(host, { missingCredentialsDetail: 'Missing API key' });
  const contexts = new WeakMap<FastifyRequest, RequestContext>();

  const begin = (endpoint: string) => async (request: FastifyRequest) => {
    contexts.set(request, scope.track(request, endpoint, anonymousPrincipal));
  };

  async function authorize(request: FastifyRequest, endpoint: string): Promise<RequestContext> {
    const context = await scope.authenticate(request, endpoint);
    contexts.set(request, context);
    return context;
  }

  /** A task exists for a caller only if that caller's credential (scheme and id) submitted it. */
  async function visibleTask(request: FastifyRequest, endpoint: string): Promise<TaskState> {
    const context = await authorize(request, endpoint);
    const { task_id: id } = request.params as { task_id: string };
    // Only ids the gateway issues reach the queue (a store's own key names never do).
    if (!isTaskId(id)) throw httpError(404, 'Task not found');
    const state = await tasks.get(id);
    if (!state || !isTaskOf(state, context.principal)) throw httpError(404, 'Task not found');
    return state;
  }

  function installErrors(app: FastifyInstance): void {
    app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const context = contexts.get(request);
      if (isGatewayError(error) && error.type === 'rate_limited') {
        if (context) context.annotations.errorType ??= 'rate_limited';
        const rendered = renderFastApiError(error);
        return reply.code(429).headers(rendered.headers).send(RATE_LIMIT_BODY);
      }
      const rendered = renderFastApiError(error);
      if (rendered.status === 500) request.log.error({ err: error }, 'unhandled error');
      if (context) context.annotations.errorType ??= fastApiErrorType(error, rendered.status);
      return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
    });
  }

  async function register(app: FastifyInstance): Promise<void> {
    installFastApiBodyParser(app);
    app.setValidatorCompiler(() => (data) => ({ value: data }));
    installErrors(app);

    app.post(
      '/generate',
      { schema: generateSchema, onRequest: begin('generate') },
      async (request, reply) => {
        const context = await authorize(request, 'generate');
        const body = validate(generateRequest, request.body);
        const chat: ChatRequest = {
          model: config.model ?? host.pipeline.defaultModel ?? '',
          messages: [{ role: 'user', content: body.prompt }],
          maxTokens: body.max_tokens ?? config.defaultMaxTokens,
          temperature: body.temperature ?? config.defaultTemperature,
          topP: body.top_p ?? config.defaultTopP,
          ...(body.user_id ? { user: body.user_id } : {}),
        };
        // Over the rate limit is a 429 now, not a failed task later.
        await host.pipeline.admit?.(context);
        const id = await tasks.submit({
          request: chat,
          principal: context.principal,
          surface: host.instanceName,
        });
        return reply.code(202).send({ status: 'queued', task_id: id, message: QUEUED_MESSAGE });
      },
    );

    app.get(
      '/status/:task_id',
      { schema: taskRouteSchema('Task status'), onRequest: begin('status') },
      async (request) => statusBody(await visibleTask(request, 'status')),
    );

    app.get(
      '/result/:task_id',
      { schema: taskRouteSchema('Task result'), onRequest: begin('result') },
      async (request) => resultBody(await visibleTask(request, 'result')),
    );

    app.get(
      '/stream/:task_id',
      { schema: taskRouteSchema('Task progress (SSE)', taskEvents), onRequest: begin('stream') },
      async (request, reply) => {
        const state = await visibleTask(request, 'stream');
        await streamTask(tasks, state.id, request, reply, config.keepAliveSeconds * 1000);
      },
    );
  }

  return { name: host.instanceName, register };
}
