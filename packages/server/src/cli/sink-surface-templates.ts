/** `gateway new-plugin sink|surface NAME`: a JSON-lines file sink and a minimal JSON surface. */

interface Names {
  packageName: string;
}

export const sinkSource = ({
  packageName,
}: Names) => `import { appendFile, readFile } from 'node:fs/promises';
import { type SinkPlugin, type TelemetryRecord, z } from '@llm-gateway/spec';

/** \`path\`: the JSON-lines file records are appended to (one per gateway process with server.workers). */
export const configSchema = z.strictObject({ path: z.string().min(1) });

export type Config = z.infer<typeof configSchema>;

/** Every record the file holds, in the order written. */
export async function readRecords(path: string): Promise<TelemetryRecord[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TelemetryRecord);
}

const plugin: SinkPlugin<Config> = {
  specificationVersion: 'v1',
  kind: 'sink',
  name: '${packageName}',
  description: 'Telemetry records appended to a JSON-lines file.',
  configSchema,
  async create(config, host) {
    // Two processes never append to one file: each worker writes its own.
    const path = host.worker === undefined ? config.path : \`\${config.path}.\${host.worker}\`;
    return {
      name: host.instanceName,
      async write(batch) {
        if (batch.length === 0) return;
        // One append per batch: the whole batch is stored or the write throws (the server fails over).
        await appendFile(path, batch.map((record) => \`\${JSON.stringify(record)}\\n\`).join(''));
      },
      async close() {},
    };
  },
};

export default plugin;
`;

export const sinkTest = () => `import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sinkConformance } from '@llm-gateway/testkit';
import plugin, { readRecords } from './index.js';

let dir = '';

// The gateway's sink contract: every field stored as given, empty and large batches, repeats.
sinkConformance({
  plugin,
  config: async () => {
    dir = await mkdtemp(join(tmpdir(), 'sink-'));
    return { path: join(dir, 'records.jsonl') };
  },
  readBack: () => readRecords(join(dir, 'records.jsonl')),
  idempotent: false,
  cleanup: () => rm(dir, { recursive: true, force: true }),
});
`;

export const sinkProfile = ({ packageName }: Names) => `telemetry:
  sinks:
    file:
      plugin: ${packageName}
      config: { path: ./telemetry.jsonl }`;

export const surfaceSource = ({ packageName }: Names) => `import {
  type FastifyInstance,
  type FastifyReply,
  isGatewayError,
  type SurfacePlugin,
  z,
} from '@llm-gateway/spec';

/** \`path\`: where the chat route is mounted (under the profile's prefix). */
export const configSchema = z.strictObject({ path: z.string().startsWith('/').default('/chat') });

export type Config = z.infer<typeof configSchema>;

/** The wire: \`{ model, prompt }\` in, \`{ text, model, usage }\` out, \`{ error: { type, message } }\` on failure. */
const chatBody = z.strictObject({ model: z.string().optional(), prompt: z.string().min(1) });

function sendError(reply: FastifyReply, error: unknown) {
  if (isGatewayError(error)) {
    reply.headers(error.headers);
    return reply.code(error.status).send({ error: { type: error.type, message: error.message } });
  }
  const status = (error as { statusCode?: number }).statusCode;
  // Fastify's own 4xx (a body that is not JSON) keep their status; anything else is ours to hide.
  if (status !== undefined && status >= 400 && status < 500)
    return reply.code(status).send({ error: { type: 'invalid_request', message: 'Malformed request body' } });
  return reply.code(500).send({ error: { type: 'internal', message: 'Internal error' } });
}

const plugin: SurfacePlugin<Config> = {
  specificationVersion: 'v1',
  kind: 'surface',
  name: '${packageName}',
  description: 'A minimal JSON chat API: POST { model, prompt } and get { text }.',
  configSchema,
  async create(config, host) {
    return {
      name: host.instanceName,
      async register(app: FastifyInstance) {
        app.setErrorHandler((error, _request, reply) => sendError(reply, error));
        app.post(config.path, async (request, reply) => {
          const principal = await host.authenticate({ headers: request.headers, query: request.query as Record<string, unknown> });
          const parsed = chatBody.safeParse(request.body);
          if (!parsed.success)
            return reply.code(400).send({ error: { type: 'invalid_request', message: parsed.error.issues[0]?.message } });
          const model = parsed.data.model ?? host.pipeline.defaultModel ?? '';
          const context = host.createContext(request, { endpoint: 'chat', principal });
          const { result } = await host.pipeline.chat(
            { model, messages: [{ role: 'user', content: parsed.data.prompt }] },
            context,
          );
          return { text: result.text, model: result.model, usage: result.usage };
        });
      },
    };
  },
};

export default plugin;
`;

export const surfaceTest = () => `import { surfaceConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

// The gateway's surface contract, on a scripted pipeline: principal passed, 401s, error statuses.
surfaceConformance({
  plugin,
  config: {},
  chat: (model, prompt) => ({ url: '/chat', payload: { model, prompt } }),
  replyText: (body) => (body as { text: string }).text,
});
`;

export const surfaceProfile = ({ packageName }: Names) => `surfaces:
  simple:
    plugin: ${packageName}
    auth: [keys]
    prefix: /simple
    config: { path: /chat }`;
