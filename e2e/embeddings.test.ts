/**
 * POST /v1/embeddings end to end: the built `gateway` on configs/default.yaml, the testkit simulators
 * as OpenAI and Ollama, driven by the official `openai` SDK (whose default call asks for base64).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Simulator,
  simulatedEmbedding,
  startOllamaSimulator,
  startOpenAISimulator,
} from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, simulatedBackendsEnv, startGateway } from './helpers/gateway.js';
import { expectOpenAIError, postJson } from './helpers/http.js';

const keys = {
  openai: 'sk-e2e-openai-embed-0123456789',
  deepseek: 'sk-e2e-deepseek-embed-0123',
  groq: 'gsk_e2e_groq_embed_0123',
};

let openaiSim: Simulator;
let ollamaSim: Simulator;
let gateway: Gateway;
let client: OpenAI;
let csvDir: string;

beforeAll(async () => {
  openaiSim = await startOpenAISimulator();
  ollamaSim = await startOllamaSimulator({ models: ['llama3.2', 'nomic-embed-text'] });
  csvDir = await mkdtemp(join(tmpdir(), 'e2e-embeddings-csv-'));
  gateway = await startGateway({
    profile: 'configs/default.yaml',
    env: {
      ...simulatedBackendsEnv(keys, { openai: openaiSim, ollama: ollamaSim }),
      CSV_FALLBACK_DIR: csvDir,
    },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([openaiSim?.close(), ollamaSim?.close()]);
  if (csvDir) await rm(csvDir, { recursive: true, force: true });
});

describe('POST /v1/embeddings with the openai SDK', () => {
  it("openai backend: the SDK's default call (base64 both ways) decodes to the upstream's vectors", async () => {
    const { data, response } = await client.embeddings
      .create({ model: 'text-embedding-3-small', input: 'The quick brown fox' })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-backend')).toBe('openai');
    expect(data.object).toBe('list');
    expect(data.model).toBe('text-embedding-3-small');
    expect(data.data).toEqual([
      { object: 'embedding', index: 0, embedding: simulatedEmbedding('The quick brown fox') },
    ]);
    expect(data.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    const upstream = openaiSim.lastRequest('/embeddings')!;
    expect(upstream.path).toBe('/v1/embeddings');
    expect(upstream.headers.authorization).toBe(`Bearer ${keys.openai}`);
    expect(upstream.body).toMatchObject({ model: 'text-embedding-3-small', input: 'The quick brown fox' });
  });

  it('openai backend: a batch with dimensions and encoding_format float, in input order', async () => {
    const inputs = ['first text', 'second', 'the third text'];
    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: inputs,
      dimensions: 5,
      encoding_format: 'float',
    });
    expect(result.data.map((item) => item.index)).toEqual([0, 1, 2]);
    expect(result.data.map((item) => item.embedding)).toEqual(
      inputs.map((text) => simulatedEmbedding(text, 5)),
    );
    expect(result.usage.prompt_tokens).toBe(6);
    expect(openaiSim.lastRequest('/embeddings')!.body).toMatchObject({ dimensions: 5 });
  });

  it('openai backend: base64 requested explicitly is little-endian float32', async () => {
    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: [[10, 20, 30]],
      encoding_format: 'base64',
    });
    const encoded = result.data[0]!.embedding as unknown as string;
    expect(typeof encoded).toBe('string');
    const bytes = Buffer.from(encoded, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4))).toEqual(
      simulatedEmbedding([10, 20, 30]),
    );
  });

  it('ollama backend: a batch with dimensions through /api/embed', async () => {
    const { data, response } = await client.embeddings
      .create({ model: 'nomic-embed-text', input: ['alpha beta', 'gamma'], dimensions: 6 })
      .withResponse();
    expect(response.headers.get('x-gateway-backend')).toBe('ollama');
    expect(data.data.map((item) => item.embedding)).toEqual([
      simulatedEmbedding('alpha beta', 6),
      simulatedEmbedding('gamma', 6),
    ]);
    expect(data.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const upstream = ollamaSim.lastRequest('/api/embed')!;
    expect(upstream.body).toMatchObject({
      model: 'nomic-embed-text',
      input: ['alpha beta', 'gamma'],
      dimensions: 6,
    });
  });

  it('ollama backend: token arrays are a 400 naming input, never sent upstream', async () => {
    const before = ollamaSim.requests.length;
    await expect(
      client.embeddings.create({ model: 'nomic-embed-text', input: [1, 2, 3] }),
    ).rejects.toMatchObject({
      status: 400,
      param: 'input',
      code: 'unsupported_input',
    });
    expect(ollamaSim.requests.length).toBe(before);
  });

  for (const [model, backend] of [
    ['deepseek-chat', 'deepseek'],
    ['llama-3.1-8b-instant', 'groq'],
  ] as const) {
    it(`${backend} backend: a 400 embeddings_not_supported naming the model and backend`, async () => {
      const before = openaiSim.requests.length;
      const error = await client.embeddings
        .create({ model, input: 'hello' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error).toMatchObject({ status: 400, code: 'embeddings_not_supported', param: 'model' });
      expect((error as Error).message).toContain(model);
      expect((error as Error).message).toContain(backend);
      expect(openaiSim.requests.length).toBe(before);
    });
  }

  it('bad input gets an OpenAI-shaped 400 from the surface', async () => {
    for (const body of [
      { model: 'text-embedding-3-small' },
      { model: 'text-embedding-3-small', input: '' },
      { model: 'text-embedding-3-small', input: [] },
      { model: 'text-embedding-3-small', input: 'x', dimensions: 0 },
      { model: 'text-embedding-3-small', input: 'x', dimensions: 202_467_199_841_346 },
      { model: 'text-embedding-3-small', input: 'x', encoding_format: 'int8' },
      { input: 'x' },
    ]) {
      const error = await expectOpenAIError(await postJson(`${gateway.url}/v1/embeddings`, body), 400);
      expect(error.error.type).toBe('invalid_request_error');
    }
  });

  it('documents the route in /openapi.json', async () => {
    const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as {
      paths: Record<string, { post?: { requestBody?: unknown; responses?: Record<string, unknown> } }>;
    };
    const route = document.paths['/v1/embeddings']?.post;
    expect(route?.requestBody).toBeDefined();
    expect(Object.keys(route?.responses ?? {})).toEqual(expect.arrayContaining(['200']));
  });

  it('each embeddings request yields one telemetry record with its endpoint, model and tokens', async () => {
    const { response } = await client.embeddings
      .create({ model: 'text-embedding-3-small', input: 'telemetry check words' })
      .withResponse();
    const id = response.headers.get('x-request-id')!;
    await gateway.stop();
    const rows: Record<string, string>[] = [];
    for (const name of (await readdir(csvDir)).filter((file) => file.endsWith('.csv'))) {
      const [header, ...lines] = (await readFile(join(csvDir, name), 'utf8')).trim().split('\n');
      const columns = header!.split(',');
      for (const line of lines) {
        const cells = line.split(',');
        rows.push(Object.fromEntries(columns.map((column, index) => [column, cells[index] ?? ''])));
      }
    }
    const mine = rows.filter((row) => row.request_id === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      surface: 'openai',
      endpoint: 'embeddings',
      status_code: '200',
      target_service: 'openai',
      model: 'text-embedding-3-small',
      prompt_tokens: '3',
      completion_tokens: '0',
      total_tokens: '3',
    });
    const refused = rows.filter((row) => row.endpoint === 'embeddings' && row.status_code === '400');
    expect(refused.length).toBeGreaterThan(0);
  });
});
