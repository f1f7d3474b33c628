import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import clientSecretPlugin, { hashSecret } from '@llm-gateway/auth-client-secret';
import backendOpenAI from '@llm-gateway/backend-openai';
import { createPipeline } from '@llm-gateway/core';
import {
  type AuthScheme,
  type Backend,
  GatewayError,
  isDisabled,
  type Pipeline,
  silentLogger,
} from '@llm-gateway/spec';
import {
  mountSurface,
  postJson,
  type Simulator,
  type SurfaceApp,
  startOpenAISimulator,
  type TestSurfaceHost,
} from '@llm-gateway/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import plugin, { type DspConfigInput } from './index.js';

/** The example clients shipped with the repository (secret `password`, as the seed documents). */
const exampleClients = fileURLToPath(new URL('../../../configs/clients/', import.meta.url));

const testClient = { client_id: 'test_client', client_secret: 'password' };
const openaiOnly = { client_id: 'openai_only_client', client_secret: 'password' };

let sim: Simulator;
let backends: Backend[];
let pipeline: Pipeline;
let dir: string;

async function openAICompatible(name: string, path: string, models: string[]): Promise<Backend> {
  const created = await backendOpenAI.create(
    backendOpenAI.configSchema.parse({ apiKey: 'sk-test', baseURL: `${sim.url}${path}`, models }),
    { instanceName: name, log: silentLogger },
  );
  if (isDisabled(created)) throw new Error(created.reason);
  return created;
}

async function clientScheme(): Promise<AuthScheme> {
  const scheme = await clientSecretPlugin.create(
    clientSecretPlugin.configSchema.parse({ dir, allowExampleSecret: true }),
    {
      instanceName: 'clients',
      log: silentLogger,
    },
  );
  if (isDisabled(scheme)) throw new Error(scheme.reason);
  return scheme;
}

async function writeClient(file: Record<string, unknown>, secret = 'password'): Promise<void> {
  const client_secret_hash = await hashSecret(secret, { cost: 1024 });
  await writeFile(
    join(dir, `${String(file.client_id)}.json`),
    JSON.stringify({ ...file, client_secret_hash }),
  );
}

async function setup(
  config: DspConfigInput = {},
  options: { pipeline?: Pipeline; bodyLimit?: number } = {},
): Promise<{ app: SurfaceApp; test: TestSurfaceHost }> {
  return mountSurface(plugin, config, {
    pipeline: options.pipeline ?? pipeline,
    authSchemes: [await clientScheme()],
    instanceName: 'dsp',
    bodyLimit: options.bodyLimit,
  });
}

function generate(app: FastifyInstance, headers: Record<string, string>, payload: unknown) {
  return postJson(app, '/api/v1/generate', payload, headers);
}

beforeAll(async () => {
  sim = await startOpenAISimulator({
    models: ['gpt-4o-mini', 'gpt-4o', 'mixtral-8x7b-32768', 'llama-3.1-8b-instant'],
  });
  backends = [
    await openAICompatible('openai', '/v1', ['gpt-4o-mini', 'gpt-4o']),
    await openAICompatible('groq', '/openai/v1', ['mixtral-8x7b-32768', 'llama-3.1-8b-instant']),
  ];
  pipeline = createPipeline({
    backends: new Map(backends.map((backend) => [backend.name, backend])),
    routing: { defaultModel: 'gpt-4o-mini', models: {} },
    log: silentLogger,
    timeoutMs: 5000,
  });
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dsp-clients-'));
  await cp(exampleClients, dir, { recursive: true, filter: (source) => !source.endsWith('.md') });
});

afterEach(async () => {
  sim.reset();
  await rm(dir, { recursive: true, force: true });
});

afterAll(async () => {
  for (const backend of backends) await backend.close?.();
  await sim.close();
});

describe('POST /api/v1/generate (the seed example)', () => {
  it('answers {text, model, usage} for the documented request and headers', async () => {
    const { app, test } = await setup({ defaultProvider: 'groq', defaultModel: 'mixtral-8x7b-32768' });
    const response = await generate(app, testClient, {
      prompt: 'Hello, world!',
      temperature: 0.7,
      max_tokens: 150,
      provider: 'groq',
      model: 'mixtral-8x7b-32768',
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      text: 'Echo: Hello, world!',
      model: 'mixtral-8x7b-32768',
      usage: {
        prompt_tokens: expect.any(Number),
        completion_tokens: expect.any(Number),
        total_tokens: expect.any(Number),
      },
    });
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    // The provider picked the backend instance: Groq's path on the simulator.
    const upstream = sim.lastRequest('/chat/completions')!;
    expect(upstream.path).toBe('/openai/v1/chat/completions');
    expect(upstream.body).toMatchObject({ model: 'mixtral-8x7b-32768', temperature: 0.7, max_tokens: 150 });
    // The client's limits travel with its principal to the pipeline's rate limiter.
    const { context, status } = test.finished.at(-1)!;
    expect(status).toBe(200);
    expect(context).toMatchObject({ surface: 'dsp', endpoint: 'generate' });
    expect(context.principal).toMatchObject({
      id: 'test_client',
      kind: 'client',
      limits: { requestsPerMinute: 60, tokensPerDay: 100000 },
    });
    await app.close();
  });

  it("uses the client's default provider and model, then the service's defaults", async () => {
    const { app } = await setup({ defaultProvider: 'groq', defaultModel: 'llama-3.1-8b-instant' });
    const own = await generate(app, openaiOnly, { prompt: 'Hi' });
    expect(own.statusCode).toBe(200);
    expect(own.json().model).toBe('gpt-4o-mini');
    expect(sim.lastRequest('/chat/completions')!.path).toBe('/v1/chat/completions');
    // The service default max_tokens (150) and temperature (0.7) apply.
    expect(sim.lastRequest('/chat/completions')!.body).toMatchObject({ max_tokens: 150, temperature: 0.7 });

    await writeClient({ client_id: 'bare_client' }, 'bare-secret');
    const bare = await generate(
      app,
      { client_id: 'bare_client', client_secret: 'bare-secret' },
      { prompt: 'Hi' },
    );
    // A client file read after start is unknown until a reload.
    expect(bare.statusCode).toBe(401);
    await app.close();

    const fresh = await setup({ defaultProvider: 'groq', defaultModel: 'llama-3.1-8b-instant' });
    const defaults = await generate(
      fresh.app,
      { client_id: 'bare_client', client_secret: 'bare-secret' },
      { prompt: 'Hi' },
    );
    expect(defaults.statusCode).toBe(200);
    expect(defaults.json().model).toBe('llama-3.1-8b-instant');
    expect(sim.lastRequest('/chat/completions')!.path).toBe('/openai/v1/chat/completions');
    await fresh.app.close();
  });

  it('routes a plain model name through the routing table when no provider is known', async () => {
    await writeClient({ client_id: 'bare_client' }, 'bare-secret');
    const { app } = await setup();
    const response = await generate(
      app,
      { client_id: 'bare_client', client_secret: 'bare-secret' },
      { prompt: 'Hi' },
    );
    expect(response.statusCode).toBe(200);
    expect(response.json().model).toBe('gpt-4o-mini');
    await app.close();
  });

  it('caps a defaulted max_tokens at the client limit, but refuses an explicit one over it', async () => {
    const { app } = await setup({ defaultMaxTokens: '5000' });
    const defaulted = await generate(app, testClient, { prompt: 'Hi' });
    expect(defaulted.statusCode).toBe(200);
    expect(sim.lastRequest('/chat/completions')!.body).toMatchObject({ max_tokens: 2000 });

    const over = await generate(app, testClient, { prompt: 'Hi', max_tokens: 2001 });
    expect(over.statusCode).toBe(400);
    expect(over.json()).toEqual({ detail: 'max_tokens exceeds client limit of 2000' });
    const atLimit = await generate(app, testClient, { prompt: 'Hi', max_tokens: '2000' });
    expect(atLimit.statusCode).toBe(200);
    await app.close();
  });
});

describe('client permissions', () => {
  it('403 for a provider the client may not use, before any upstream call', async () => {
    const { app } = await setup();
    const response = await generate(app, openaiOnly, { prompt: 'Hi', provider: 'groq' });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Client not allowed to use provider: groq' });
    expect(sim.requests).toHaveLength(0);
    await app.close();
  });

  it('403 for an endpoint the client may not use', async () => {
    const { app, test } = await setup();
    const response = await app.inject({ method: 'GET', url: '/api/v1/clients/reload', headers: openaiOnly });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Client not allowed to access endpoint: clients/reload' });
    expect(test.finished.at(-1)!.context.annotations.errorType).toBe('permission');

    await writeClient({ client_id: 'reload_only', allowed_endpoints: ['clients/reload'] });
    const fresh = await setup();
    const denied = await generate(
      fresh.app,
      { client_id: 'reload_only', client_secret: 'password' },
      { prompt: 'Hi' },
    );
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toEqual({ detail: 'Client not allowed to access endpoint: generate' });
    await app.close();
    await fresh.app.close();
  });

  it('a client file without allowed_endpoints could reload every client: the admin endpoint is default-deny', async () => {
    await writeClient({ client_id: 'no_list', allowed_providers: ['openai'] });
    const { app } = await setup();
    const noList = { client_id: 'no_list', client_secret: 'password' };
    const reload = await app.inject({ method: 'GET', url: '/api/v1/clients/reload', headers: noList });
    expect(reload.statusCode).toBe(403);
    expect(reload.json()).toEqual({ detail: 'Client not allowed to access endpoint: clients/reload' });
    // Everything else stays open to it, as before.
    expect((await generate(app, noList, { prompt: 'Hi' })).statusCode).toBe(200);
    await app.close();
  });
});

describe('authentication attacks', () => {
  it('401 for a wrong secret, an unknown client and missing headers', async () => {
    const { app } = await setup();
    const wrong = await generate(
      app,
      { client_id: 'test_client', client_secret: 'passw0rd' },
      { prompt: 'Hi' },
    );
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ detail: 'Invalid client credentials' });
    const unknown = await generate(app, { client_id: 'nobody', client_secret: 'password' }, { prompt: 'Hi' });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual({ detail: 'Invalid client credentials' });
    const idOnly = await generate(app, { client_id: 'test_client' }, { prompt: 'Hi' });
    expect(idOnly.statusCode).toBe(401);
    const none = await generate(app, {}, { prompt: 'Hi' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ detail: 'Missing client_id or client_secret header' });
    const reload = await app.inject({ method: 'GET', url: '/api/v1/clients/reload' });
    expect(reload.statusCode).toBe(401);
    expect(sim.requests).toHaveLength(0);
    await app.close();
  });
});

describe('bad bodies answer in FastAPI shape', () => {
  it('422 for a missing prompt, wrong types and a provider that is not a name', async () => {
    const { app } = await setup();
    const response = await generate(app, testClient, {
      temperature: 3,
      provider: '../admin',
      max_tokens: 1.5,
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toEqual([
      { type: 'missing', loc: ['body', 'prompt'], msg: 'Field required', input: expect.any(Object) },
      {
        type: 'less_than_equal',
        loc: ['body', 'temperature'],
        msg: 'Input should be less than or equal to 2',
        input: 3,
        ctx: { le: 2 },
      },
      {
        type: 'int_from_float',
        loc: ['body', 'max_tokens'],
        msg: 'Input should be a valid integer, got a number with a fractional part',
        input: 1.5,
      },
      expect.objectContaining({
        type: 'string_pattern_mismatch',
        loc: ['body', 'provider'],
        input: '../admin',
      }),
    ]);
    await app.close();
  });

  it('422 json_invalid for malformed JSON and 413 for an oversized body', async () => {
    const { app } = await setup({}, { bodyLimit: 2048 });
    const malformed = await generate(app, testClient, '{"prompt": ');
    expect(malformed.statusCode).toBe(422);
    expect(malformed.json().detail[0]).toMatchObject({ type: 'json_invalid', msg: 'JSON decode error' });
    const big = await generate(app, testClient, { prompt: 'x'.repeat(10_000) });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ detail: 'Request body too large' });
    await app.close();
  });
});

describe('upstream and pipeline failures', () => {
  it('502 with a safe message when the provider fails', async () => {
    const { app } = await setup();
    sim.inject({
      status: 503,
      body: { error: { message: 'internal cluster gpu-17 down', type: 'server_error' } },
      times: 10,
    });
    const response = await generate(app, testClient, { prompt: 'Hi' });
    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual({ detail: 'Upstream LLM service error (status 503)' });
    await app.close();
  });

  it("429 with Retry-After from the pipeline's rate limiter", async () => {
    const limited: Pipeline = {
      defaultModel: 'gpt-4o-mini',
      models: () => pipeline.models(),
      chat: async () => {
        throw new GatewayError('rate_limited', 'Rate limit exceeded', {
          retryAfterMs: 30_000,
          headers: { 'Retry-After': '30' },
        });
      },
      stream: async () => {
        throw new Error('not used');
      },
    };
    const { app } = await setup({}, { pipeline: limited });
    const response = await generate(app, testClient, { prompt: 'Hi' });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('30');
    expect(response.json()).toEqual({ detail: 'Rate limit exceeded' });
    await app.close();
  });

  it('503 when the provider is configured but switched off', async () => {
    const noGroq = createPipeline({
      backends: new Map([['openai', backends[0]!]]),
      disabledBackends: new Map([['groq', 'no API key (set GROQ_API_KEY)']]),
      routing: { defaultModel: 'gpt-4o-mini', models: {} },
      log: silentLogger,
    });
    const { app } = await setup({}, { pipeline: noGroq });
    const response = await generate(app, testClient, { prompt: 'Hi' });
    expect(response.statusCode).toBe(503);
    expect(response.json().detail).toMatch(/groq is disabled/);
    await app.close();
  });
});

describe('GET /api/v1/clients/reload', () => {
  it('reloads the client files and reports the count, as the seed documents', async () => {
    const { app } = await setup();
    const first = await app.inject({ method: 'GET', url: '/api/v1/clients/reload', headers: testClient });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      message: 'Successfully reloaded 3 client configurations',
      count: 3,
      skipped: [],
      // The shipped examples use the published secret `password`: loaded, and loudly named.
      warnings: ['groq_only_client.json', 'openai_only_client.json', 'test_client.json'].map((file) => ({
        file,
        reason: expect.stringContaining('published example secret'),
      })),
    });

    await writeClient({ client_id: 'new_client', allowed_providers: ['openai'] }, 'new-secret');
    const second = await app.inject({ method: 'GET', url: '/api/v1/clients/reload', headers: testClient });
    expect(second.json()).toMatchObject({
      message: 'Successfully reloaded 4 client configurations',
      count: 4,
    });
    const newcomer = await generate(
      app,
      { client_id: 'new_client', client_secret: 'new-secret' },
      { prompt: 'Hi' },
    );
    expect(newcomer.statusCode).toBe(200);

    // A removed client is locked out after the next reload.
    await rm(join(dir, 'new_client.json'));
    await app.inject({ method: 'GET', url: '/api/v1/clients/reload', headers: testClient });
    const removed = await generate(
      app,
      { client_id: 'new_client', client_secret: 'new-secret' },
      { prompt: 'Hi' },
    );
    expect(removed.statusCode).toBe(401);
    await app.close();
  });

  it('reload counted skipped files silently: names them with reasons, loads plaintext secrets with a warning', async () => {
    const { app } = await setup();
    // The seed's documented format (no secret at all) and a plaintext secret, as a migrating operator writes them.
    await writeFile(
      join(dir, 'seed_format.json'),
      JSON.stringify({ client_id: 'seed_format', name: 'Seed' }),
    );
    await writeFile(
      join(dir, 'plain.json'),
      JSON.stringify({ client_id: 'plain', client_secret: 'plain-secret-1', allowed_providers: ['openai'] }),
    );
    const response = await app.inject({ method: 'GET', url: '/api/v1/clients/reload', headers: testClient });
    const body = response.json();
    expect(body).toMatchObject({ message: 'Successfully reloaded 4 client configurations', count: 4 });
    expect(body.skipped).toEqual([
      { file: 'seed_format.json', reason: expect.stringContaining('no client_secret_hash') },
    ]);
    expect(body.warnings).toContainEqual({
      file: 'plain.json',
      reason: expect.stringContaining('PLAINTEXT'),
    });
    expect(body.warnings.map((note: { file: string }) => note.file)).not.toContain('seed_format.json');
    expect(response.body).not.toContain('plain-secret-1');
    const plain = await generate(
      app,
      { client_id: 'plain', client_secret: 'plain-secret-1' },
      { prompt: 'Hi' },
    );
    expect(plain.statusCode).toBe(200);
    await rm(join(dir, 'seed_format.json'));
    await rm(join(dir, 'plain.json'));
    await app.close();
  });

  it('answers a safe 500 when a reload fails', async () => {
    const broken: AuthScheme = {
      name: 'broken',
      authenticate: async () => ({
        id: 'admin',
        kind: 'client',
        scheme: 'broken',
        allowedEndpoints: ['clients/reload'],
      }),
      reload: async () => {
        throw new Error('EACCES /etc/secret/clients');
      },
    };
    const { app } = await mountSurface(plugin, {}, { pipeline, authSchemes: [broken], instanceName: 'dsp' });
    const response = await app.inject({ method: 'GET', url: '/api/v1/clients/reload' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ detail: 'Failed to reload client configurations' });
    expect(response.body).not.toContain('EACCES');
    await app.close();
  });
});

describe('docs', () => {
  it('documents both routes in the OpenAPI document', async () => {
    const { app } = await setup();
    // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked by path.
    const docs = app.swagger() as any;
    const generateDoc = docs.paths['/api/v1/generate'].post;
    expect(generateDoc.tags).toEqual(['dsp']);
    expect(generateDoc.requestBody.content['application/json'].schema.required).toEqual(['prompt']);
    expect(Object.keys(generateDoc.responses)).toEqual(expect.arrayContaining(['200', '422']));
    expect(docs.paths['/api/v1/clients/reload'].get.summary).toBe('Reload client configurations');
    await app.close();
  });
});
