import { Readable } from 'node:stream';
import {
  type AuthPlugin,
  type AuthScheme,
  type Backend,
  type BackendPlugin,
  type CallContext,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  disabled,
  GatewayError,
  type Logger,
  type SurfacePlugin,
  toGatewayError,
  z,
} from '@llm-gateway/spec';
import type { FastifyError } from 'fastify';

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new DOMException('aborted', 'AbortError'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/** A backend whose upstream is in memory; a test can hold its calls open. */
export class TestBackend implements Backend {
  readonly calls: CallContext[] = [];
  closed = false;
  private gate: Promise<void> | undefined;
  private release: (() => void) | undefined;
  /** Resolves each time a call arrives. */
  private arrivals: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly config: { reply: string; models: string[] },
    readonly log: Logger,
  ) {}

  /** Makes calls wait until the returned function is called. */
  hold(): () => void {
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
    return () => {
      this.gate = undefined;
      this.release?.();
    };
  }

  /** Resolves once a call has reached the backend. */
  arrived(): Promise<void> {
    return new Promise((resolve) => this.arrivals.push(resolve));
  }

  private async enter(call: CallContext): Promise<void> {
    this.calls.push(call);
    for (const resolve of this.arrivals.splice(0)) resolve();
    if (this.gate) await Promise.race([this.gate, untilAborted(call.signal)]);
  }

  async models(): Promise<string[]> {
    return this.config.models;
  }

  async chat(request: ChatRequest, call: CallContext): Promise<ChatResult> {
    await this.enter(call);
    const last = request.messages.at(-1)?.content ?? '';
    return {
      id: 'test-1',
      model: request.model,
      text: `${this.config.reply}: ${last}`,
      finishReason: 'stop',
      usage: { promptTokens: 5, completionTokens: 3, totalTokens: 8 },
      created: 1_700_000_000,
    };
  }

  async *stream(_request: ChatRequest, call: CallContext): AsyncIterable<ChatStreamPart> {
    await this.enter(call);
    for (const word of this.config.reply.split(' ')) yield { type: 'text-delta', text: `${word} ` };
    yield { type: 'finish', finishReason: 'stop' };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

const backendConfig = z.object({
  apiKey: z.string().optional(),
  reply: z.string().default('Hello from test'),
  models: z.array(z.string()).default(['test-model']),
});

/** A backend plugin plus the instances it created, for assertions. */
export function testBackendPlugin() {
  const instances = new Map<string, TestBackend>();
  const plugin: BackendPlugin<z.infer<typeof backendConfig>> = {
    specificationVersion: 'v1',
    kind: 'backend',
    name: 'backend-test',
    configSchema: backendConfig,
    async create(config, host) {
      if (config.apiKey === '') return disabled('no API key (set TEST_API_KEY)');
      host.log.info({ config }, 'backend configured');
      const backend = new TestBackend(host.instanceName, config, host.log);
      instances.set(host.instanceName, backend);
      return backend;
    },
  };
  return { plugin, instances };
}

const authConfig = z.object({ keys: z.array(z.string()).default([]) });

export function testAuthPlugin() {
  const schemes: (AuthScheme & { closed: boolean })[] = [];
  const plugin: AuthPlugin<z.infer<typeof authConfig>> = {
    specificationVersion: 'v1',
    kind: 'auth',
    name: 'auth-test',
    configSchema: authConfig,
    async create(config, host) {
      if (config.keys.length === 0) return disabled('no keys configured');
      const scheme = {
        name: host.instanceName,
        closed: false,
        async authenticate(input: Parameters<AuthScheme['authenticate']>[0]) {
          const header =
            input.headers['x-api-key'] ?? input.headers.authorization?.toString().replace(/^Bearer /, '');
          const fromQuery = input.allowQueryCredentials ? input.query.api_key : undefined;
          const key = (header ?? fromQuery) as string | undefined;
          if (!key) return undefined;
          const index = config.keys.indexOf(key);
          if (index < 0)
            throw new GatewayError('authentication', 'Invalid API key', { code: 'invalid_api_key' });
          return { id: `key-${index}`, kind: 'api_key' as const, scheme: host.instanceName };
        },
        async close() {
          scheme.closed = true;
        },
      };
      schemes.push(scheme);
      return scheme;
    },
  };
  return { plugin, schemes };
}

const surfaceConfig = z.object({ endpoint: z.string().default('chat') });

/** A tiny JSON surface: POST /chat (stream or not) and GET /whoami, errors as `{ error: { type, message } }`. */
export const testSurfacePlugin: SurfacePlugin<z.infer<typeof surfaceConfig>> = {
  specificationVersion: 'v1',
  kind: 'surface',
  name: 'surface-test',
  configSchema: surfaceConfig,
  async create(config, host) {
    return {
      name: 'test',
      async register(app) {
        app.setErrorHandler((error: FastifyError, _request, reply) => {
          const status = error.statusCode ?? 500;
          const failure =
            error.validation || (status >= 400 && status < 500)
              ? new GatewayError(status === 413 ? 'payload_too_large' : 'invalid_request', error.message)
              : toGatewayError(error);
          return reply
            .code(failure.status)
            .headers(failure.headers)
            .send({ error: { type: failure.type, message: failure.message } });
        });
        app.post(
          '/chat',
          {
            schema: {
              summary: 'Chat',
              body: {
                type: 'object',
                required: ['messages'],
                properties: {
                  model: { type: 'string' },
                  stream: { type: 'boolean' },
                  messages: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['role', 'content'],
                      properties: { role: { type: 'string' }, content: { type: 'string' } },
                    },
                  },
                },
              },
            },
          },
          async (request, reply) => {
            const principal = await host.authenticate({
              headers: request.headers,
              query: request.query as Record<string, unknown>,
            });
            const context = host.createContext(request, { endpoint: config.endpoint, principal });
            const body = request.body as {
              model?: string;
              stream?: boolean;
              messages: ChatRequest['messages'];
            };
            const chat: ChatRequest = { model: body.model ?? '', messages: body.messages };
            if (body.stream) {
              const outcome = await host.pipeline.stream(chat, context);
              async function* text() {
                for await (const part of outcome.parts) if (part.type === 'text-delta') yield part.text;
              }
              return reply.type('text/plain; charset=utf-8').send(Readable.from(text()));
            }
            const { result, meta } = await host.pipeline.chat(chat, context);
            return { text: result.text, backend: meta.backend, model: meta.model, principal: principal.id };
          },
        );
        app.get('/whoami', { schema: { summary: 'Who am I' } }, async (request) => {
          const principal = await host.authenticate({
            headers: request.headers,
            query: request.query as Record<string, unknown>,
          });
          return { id: principal.id, kind: principal.kind, service: host.service.name };
        });
      },
    };
  },
};
