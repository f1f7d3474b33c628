/** `gateway new-plugin backend NAME --wire custom`: a provider with its own HTTP format (JSON + NDJSON). */

export interface CustomBackendNames {
  packageName: string;
}

/** The plugin: `POST {baseURL}/generate`, streaming newline-delimited JSON, on the plugin-kit helpers. */
export const customBackendSource = ({ packageName }: CustomBackendNames) => `import {
  blankSetting,
  ndjsonLines,
  postJson,
  streamTruncatedError,
  upstreamFailure,
  upstreamSignal,
} from '@llm-gateway/plugin-kit';
import {
  type Backend,
  type BackendPlugin,
  type CallContext,
  type ChatRequest,
  type ChatStreamPart,
  disabled,
  type FinishReason,
  GatewayError,
  type Usage,
  z,
} from '@llm-gateway/spec';

/** \`baseURL\` (required to switch it on), \`apiKey\`, \`models\`, \`timeoutMs\`; any other key is refused. */
export const configSchema = z.strictObject({
  // Blank (an unset \${VAR:-}) reads as absent.
  baseURL: z.preprocess(blankSetting, z.string().url().optional()),
  apiKey: z.preprocess(blankSetting, z.string().optional()),
  models: z.array(z.string().min(1)).default(['example-model']),
  timeoutMs: z.coerce.number().int().positive().default(60_000),
});

export type Config = z.infer<typeof configSchema>;

/** The provider's wire: what \`POST /generate\` answers, and each line of its stream. */
const usageWire = z.object({ input_tokens: z.number(), output_tokens: z.number() });
const finishWire = z.enum(['stop', 'length']);
const answerWire = z.object({ id: z.string(), model: z.string(), text: z.string(), finish_reason: finishWire, usage: usageWire });
const lineWire = z.union([
  z.object({ delta: z.string() }),
  z.object({ done: z.literal(true), finish_reason: finishWire, usage: usageWire }),
]);

function usageOf(wire: z.infer<typeof usageWire>): Usage {
  return { promptTokens: wire.input_tokens, completionTokens: wire.output_tokens, totalTokens: wire.input_tokens + wire.output_tokens };
}

function parseWire<T>(schema: z.ZodType<T>, value: unknown, backend: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new GatewayError('upstream_error', \`\${backend} upstream sent an answer of an unknown shape\`, { backend, code: 'upstream_bad_response' });
}

function generateBody(request: ChatRequest, stream: boolean) {
  return {
    model: request.model,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
    stream,
  };
}

function createBackend(name: string, config: Config & { baseURL: string }): Backend {
  const url = \`\${config.baseURL.replace(/\\/$/, '')}/generate\`;
  const headers: Record<string, string> = config.apiKey ? { authorization: \`Bearer \${config.apiKey}\` } : {};
  const send = (request: ChatRequest, stream: boolean, signal: AbortSignal) =>
    postJson(name, url, generateBody(request, stream), { signal, headers });

  return {
    name,
    models: async () => config.models,
    async chat(request: ChatRequest, call: CallContext) {
      const upstream = upstreamSignal(call, config.timeoutMs);
      try {
        const response = await send(request, false, upstream.signal);
        const answer = parseWire(answerWire, await response.json(), name);
        const finishReason: FinishReason = answer.finish_reason;
        return { id: answer.id, model: answer.model, created: Math.floor(Date.now() / 1000), text: answer.text, finishReason, usage: usageOf(answer.usage) };
      } catch (error) {
        throw upstreamFailure(name, error, upstream);
      } finally {
        upstream.dispose();
      }
    },
    async *stream(request: ChatRequest, call: CallContext): AsyncGenerator<ChatStreamPart> {
      const upstream = upstreamSignal(call, config.timeoutMs);
      try {
        const response = await send(request, true, upstream.signal);
        for await (const value of ndjsonLines(name, response.body)) {
          const line = parseWire(lineWire, value, name);
          if ('delta' in line) {
            yield { type: 'text-delta', text: line.delta };
            continue;
          }
          yield { type: 'finish', finishReason: line.finish_reason, usage: usageOf(line.usage) };
          return;
        }
        // The body ended without its \`done\` line: cut short, however cleanly it closed.
        throw streamTruncatedError(name);
      } catch (error) {
        throw upstreamFailure(name, error, upstream);
      } finally {
        // Also when the consumer stops early: leaving the loop cancels the body, freeing the connection.
        upstream.dispose();
      }
    },
  };
}

const plugin: BackendPlugin<Config> = {
  specificationVersion: 'v1',
  kind: 'backend',
  name: '${packageName}',
  description: 'Chat completions from a provider with its own HTTP API (JSON, newline-delimited JSON streams).',
  configSchema,
  async create(config, host) {
    // Disabled, not failed: the server shows which variable to set to switch it on.
    if (!config.baseURL) return disabled('no provider URL', ['baseURL']);
    return createBackend(host.instanceName, { ...config, baseURL: config.baseURL });
  },
};

export default plugin;
`;

/** The author's own simulator of the provider, on testkit's recording, fault-injecting core. */
export const customBackendSimulator = () => `import {
  defaultReply,
  type Exchange,
  planReply,
  promptTokensOf,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from '@llm-gateway/testkit';

interface GenerateBody {
  model?: string;
  max_tokens?: number;
  stream?: boolean;
}

async function generate(exchange: Exchange): Promise<void> {
  const body = (exchange.body ?? {}) as GenerateBody;
  const { models, reply } = exchange.options;
  if (models && !models.includes(String(body.model)))
    return exchange.sendJson(404, { error: { message: \`model \${String(body.model)} not found\` } });
  const planned = planReply(reply?.(exchange.body as never) ?? defaultReply(exchange.body), {
    maxTokens: body.max_tokens,
    promptTokens: promptTokensOf(exchange.body),
  });
  // What the conformance checks compare the backend's answer with.
  exchange.record.reply = planned;
  const usage = { input_tokens: planned.promptTokens, output_tokens: planned.completionTokens };
  if (!body.stream) {
    const answer = { id: exchange.requestId, model: body.model, text: planned.text, finish_reason: planned.finishReason, usage };
    return exchange.sendJson(200, answer);
  }
  exchange.startStream('application/x-ndjson');
  for (const piece of planned.pieces) {
    if (!(await exchange.writeChunk(\`\${JSON.stringify({ delta: piece })}\\n\`))) return;
  }
  const done = { done: true, finish_reason: planned.finishReason, usage };
  if (!(await exchange.writeChunk(\`\${JSON.stringify(done)}\\n\`))) return;
  exchange.endStream();
}

/** The provider's \`POST /generate\` on 127.0.0.1: records requests, injects faults (\`sim.inject\`). */
export function startProviderSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator(
    {
      kind: 'custom',
      errorBody: (_status, message) => ({ error: { message } }),
      async handle(exchange) {
        if (exchange.method === 'POST' && exchange.path === '/generate') return generate(exchange);
        exchange.sendJson(404, { error: { message: \`no route \${exchange.path}\` } });
      },
    },
    options,
  );
}
`;

export const customBackendTest = () => `import { backendConformance } from '@llm-gateway/testkit';
import plugin from './index.js';
import { startProviderSimulator } from './simulator.fixture.js';

// The gateway's backend contract against your own provider simulator; what it lacks is skipped, saying why.
backendConformance({
  plugin,
  simulator: startProviderSimulator,
  capabilities: { tools: false, jsonMode: false, images: false, n: false, embeddings: false },
  config: (sim) => ({ baseURL: sim.url, models: ['example-model'], timeoutMs: 10_000 }),
  model: 'example-model',
});
`;

export const customBackendProfile = ({ packageName }: CustomBackendNames) => `backends:
  example:
    plugin: ${packageName}
    config:
      baseURL: \${EXAMPLE_BASE_URL:-}
      apiKey: \${EXAMPLE_API_KEY:-}
      models: [example-model]`;
