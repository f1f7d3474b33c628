import jwtPlugin from '@llm-gateway/auth-jwt';
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
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import plugin, { type DgenPingConfigInput } from './index.js';

const TOKEN_SECRET = 'dgen_secret_key';
const JWT_SECRET = 'a-jwt-signing-secret-of-at-least-32-bytes!';

let sim: Simulator;
let backend: Backend;
let pipeline: Pipeline;

async function jwtScheme(allowDefaultToken: boolean, secret = JWT_SECRET): Promise<AuthScheme> {
  const scheme = await jwtPlugin.create(jwtPlugin.configSchema.parse({ secret, allowDefaultToken }), {
    instanceName: 'jwt',
    log: silentLogger,
  });
  if (isDisabled(scheme)) throw new Error(scheme.reason);
  return scheme;
}

interface Setup {
  app: SurfaceApp;
  test: TestSurfaceHost;
}

async function setup(
  config: DgenPingConfigInput = { tokenSecret: TOKEN_SECRET },
  options: {
    allowDefaultToken?: boolean;
    pipeline?: Pipeline;
    bodyLimit?: number;
    schemes?: AuthScheme[];
  } = {},
): Promise<Setup> {
  const schemes = options.schemes ?? [await jwtScheme(options.allowDefaultToken ?? true)];
  return mountSurface(plugin, config, {
    pipeline: options.pipeline ?? pipeline,
    authSchemes: schemes,
    instanceName: 'dgen-ping',
    bodyLimit: options.bodyLimit,
  });
}

async function tokenFor(app: FastifyInstance, soeid: string, projectId?: string): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/generate-token',
    headers: { 'x-token-secret': TOKEN_SECRET, 'content-type': 'application/json' },
    payload: projectId ? { soeid, project_id: projectId } : { soeid },
  });
  expect(response.statusCode).toBe(200);
  return response.json().token;
}

function completion(
  app: FastifyInstance,
  token: string | undefined,
  payload: unknown,
  url = '/api/llm/completion',
) {
  return postJson(app, url, payload, token === undefined ? {} : { 'x-api-token': token });
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  sim = await startOpenAISimulator({ models: ['gpt-4o-mini', 'gemini', 'gpt-4'] });
  const created = await backendOpenAI.create(
    backendOpenAI.configSchema.parse({
      apiKey: 'sk-test',
      baseURL: `${sim.url}/v1`,
      models: ['gpt-4o-mini', 'gemini'],
    }),
    { instanceName: 'downstream', log: silentLogger },
  );
  if (isDisabled(created)) throw new Error(created.reason);
  backend = created;
  pipeline = createPipeline({
    backends: new Map([['downstream', backend]]),
    routing: { defaultModel: 'gpt-4o-mini', models: { 'gpt-4': 'downstream' } },
    log: silentLogger,
    timeoutMs: 5000,
  });
});

afterEach(() => sim.reset());
afterAll(async () => {
  await backend.close?.();
  await sim.close();
});

describe('the documented flow (seed quick start)', () => {
  it('generates a token with the secret and completes a prompt with it', async () => {
    const { app, test } = await setup();
    const token = await tokenFor(app, 'your_user_id');
    const response = await completion(app, token, {
      soeid: 'your_user_id',
      project_name: 'test',
      prompt: 'Hello, how are you?',
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      soeid: 'your_user_id',
      project_name: 'test',
      model: 'gpt-4o-mini',
      completion: 'Echo: Hello, how are you?',
      finish_reason: 'stop',
      backend: 'downstream',
    });
    expect(body.request_id).toEqual(expect.any(String));
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.latency_ms).toBeGreaterThanOrEqual(body.llm_latency_ms);
    // Defaults from the config reach the upstream.
    const upstream = sim.lastRequest('/chat/completions')!.body as Record<string, unknown>;
    expect(upstream).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 2000, temperature: 0.7 });
    expect(upstream.messages).toEqual([{ role: 'user', content: 'Hello, how are you?' }]);
    // The request's telemetry context: endpoint, principal, project.
    const last = test.finished.at(-1)!;
    expect(last.status).toBe(200);
    expect(last.context).toMatchObject({ surface: 'dgen-ping', endpoint: 'completion' });
    expect(last.context.principal).toMatchObject({ id: 'your_user_id', kind: 'user' });
    expect(last.context.annotations).toMatchObject({ projectName: 'test', backend: 'downstream' });
    await app.close();
  });

  it('issues the same token for the same SOEID', async () => {
    const { app } = await setup();
    expect(await tokenFor(app, 'user123')).toBe(await tokenFor(app, 'user123'));
    expect(await tokenFor(app, 'user123')).not.toBe(await tokenFor(app, 'user124'));
    await app.close();
  });

  it('serves /api/llm/chat as an alias and honours model, temperature and max_tokens (seed request format)', async () => {
    const { app, test } = await setup();
    const token = await tokenFor(app, 'ab1234');
    const response = await completion(
      app,
      token,
      {
        soeid: 'ab1234',
        project_name: 'risk-analysis',
        prompt: 'Explain the concept of market volatility',
        model: 'gpt-4',
        temperature: 0.2,
        max_tokens: 300,
      },
      '/api/llm/chat',
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ model: 'gpt-4', project_name: 'risk-analysis' });
    expect(sim.lastRequest('/chat/completions')!.body).toMatchObject({
      model: 'gpt-4',
      temperature: 0.2,
      max_tokens: 300,
    });
    expect(test.finished.at(-1)!.context.endpoint).toBe('chat');
    await app.close();
  });

  it('takes DEFAULT_MODEL, DEFAULT_MAX_TOKENS and DEFAULT_TEMPERATURE from the config (strings from env too)', async () => {
    const { app } = await setup({
      tokenSecret: TOKEN_SECRET,
      defaultModel: 'gemini',
      defaultMaxTokens: '10000',
      defaultTemperature: '0.3',
    });
    const token = await tokenFor(app, 'u1');
    const response = await completion(app, token, { soeid: 'u1', project_name: 'p', prompt: 'hi' });
    expect(response.statusCode).toBe(200);
    expect(response.json().model).toBe('gemini');
    expect(sim.lastRequest('/chat/completions')!.body).toMatchObject({
      model: 'gemini',
      max_tokens: 10000,
      temperature: 0.3,
    });
    await app.close();
  });

  it('accepts numbers sent as strings, as pydantic does', async () => {
    const { app } = await setup();
    const token = await tokenFor(app, 'u1');
    const response = await completion(app, token, {
      soeid: 'u1',
      project_name: 'p',
      prompt: 'hi',
      temperature: '0.5',
      max_tokens: '42',
    });
    expect(response.statusCode).toBe(200);
    expect(sim.lastRequest('/chat/completions')!.body).toMatchObject({ temperature: 0.5, max_tokens: 42 });
    await app.close();
  });
});

describe('the development token', () => {
  it('acts for any SOEID when ALLOW_DEFAULT_TOKEN is on', async () => {
    const { app } = await setup(undefined, { allowDefaultToken: true });
    const response = await completion(app, '1', { soeid: 'anyone', project_name: 'test', prompt: 'Hi' });
    expect(response.statusCode).toBe(200);
    expect(response.json().soeid).toBe('anyone');
    await app.close();
  });

  it('is refused when ALLOW_DEFAULT_TOKEN is off', async () => {
    const { app } = await setup(undefined, { allowDefaultToken: false });
    const response = await completion(app, '1', { soeid: 'anyone', project_name: 'test', prompt: 'Hi' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid token' });
    expect(sim.requests).toHaveLength(0);
    await app.close();
  });
});

describe('authentication attacks on /api/llm/completion', () => {
  const body = { soeid: 'victim', project_name: 'test', prompt: 'Hi' };

  it('401 without X-API-Token', async () => {
    const { app, test } = await setup();
    const response = await completion(app, undefined, body);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Missing X-API-Token header' });
    expect(test.finished.at(-1)!.context.annotations.errorType).toBe('authentication');
    await app.close();
  });

  it('401 for a token signed with another secret', async () => {
    const { app } = await setup();
    const forger = await jwtScheme(false, 'attacker-chosen-secret-of-at-least-32-bytes');
    const forged = await forger.issueToken!('victim');
    const response = await completion(app, forged, body);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid token' });
    await app.close();
  });

  it('401 for an alg:none token', async () => {
    const { app } = await setup();
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'victim', soeid: 'victim' })}.`;
    const response = await completion(app, unsigned, body);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid token' });
    await app.close();
  });

  it('401 for a tampered payload', async () => {
    const { app } = await setup();
    const [head, , signature] = (await tokenFor(app, 'attacker')).split('.');
    const tampered = `${head}.${b64({ sub: 'victim', soeid: 'victim' })}.${signature}`;
    const response = await completion(app, tampered, body);
    expect(response.statusCode).toBe(401);
    await app.close();
  });

  it('403 when the token belongs to another SOEID, before any upstream call', async () => {
    const { app } = await setup();
    const token = await tokenFor(app, 'attacker');
    const response = await completion(app, token, body);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Token does not belong to this soeid' });
    expect(sim.requests).toHaveLength(0);
    await app.close();
  });

  it('checks credentials before the body, as FastAPI runs its dependencies first', async () => {
    const { app } = await setup();
    const response = await completion(app, undefined, { prompt: 5 });
    expect(response.statusCode).toBe(401);
    await app.close();
  });
});

describe('bad bodies answer 422 in FastAPI (pydantic v2) shape', () => {
  it('lists each missing field', async () => {
    const { app } = await setup();
    const token = await tokenFor(app, 'u1');
    const response = await completion(app, token, { soeid: 'u1' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [
        { type: 'missing', loc: ['body', 'project_name'], msg: 'Field required', input: { soeid: 'u1' } },
        { type: 'missing', loc: ['body', 'prompt'], msg: 'Field required', input: { soeid: 'u1' } },
      ],
    });
    await app.close();
  });

  it('rejects an empty prompt, wrong types and out-of-range numbers', async () => {
    const { app } = await setup();
    const token = await tokenFor(app, 'u1');
    const response = await completion(app, token, {
      soeid: 'u1',
      project_name: 7,
      prompt: '',
      temperature: 'hot',
      max_tokens: 0,
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toEqual([
      { type: 'string_type', loc: ['body', 'project_name'], msg: 'Input should be a valid string', input: 7 },
      {
        type: 'string_too_short',
        loc: ['body', 'prompt'],
        msg: 'String should have at least 1 character',
        input: '',
        ctx: { min_length: 1 },
      },
      {
        type: 'float_parsing',
        loc: ['body', 'temperature'],
        msg: 'Input should be a valid number, unable to parse string as a number',
        input: 'hot',
      },
      {
        type: 'greater_than',
        loc: ['body', 'max_tokens'],
        msg: 'Input should be greater than 0',
        input: 0,
        ctx: { gt: 0 },
      },
    ]);
    await app.close();
  });

  it('422 json_invalid for malformed JSON, before authentication (FastAPI parses the body first)', async () => {
    const { app } = await setup();
    const response = await completion(app, undefined, '{"soeid": "u1",');
    expect(response.statusCode).toBe(422);
    const [detail] = response.json().detail;
    expect(detail).toMatchObject({ type: 'json_invalid', msg: 'JSON decode error', input: {} });
    expect(detail.loc[0]).toBe('body');
    expect(detail.loc[1]).toEqual(expect.any(Number));
    expect(detail.ctx.error).toEqual(expect.any(String));
    await app.close();
  });

  it('refuses prototype-poisoning JSON', async () => {
    const { app } = await setup();
    const token = await tokenFor(app, 'u1');
    const response = await completion(app, token, '{"soeid":"u1","__proto__":{"admin":true}}');
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].type).toBe('json_invalid');
    await app.close();
  });

  it('422 for an empty body and for a JSON array', async () => {
    const { app } = await setup();
    const token = await tokenFor(app, 'u1');
    const empty = await completion(app, token, '');
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toEqual({
      detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }],
    });
    const array = await completion(app, token, '[1, 2]');
    expect(array.statusCode).toBe(422);
    expect(array.json().detail[0]).toMatchObject({
      type: 'model_attributes_type',
      loc: ['body'],
      input: [1, 2],
    });
    await app.close();
  });

  it('422 for a form-encoded body, as FastAPI answers it', async () => {
    const { app } = await setup();
    const token = await tokenFor(app, 'u1');
    const response = await app.inject({
      method: 'POST',
      url: '/api/llm/completion',
      headers: { 'x-api-token': token, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'soeid=u1&prompt=hi',
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0]).toMatchObject({ type: 'model_attributes_type', loc: ['body'] });
    await app.close();
  });

  it('reads JSON sent without a Content-Type, as FastAPI does', async () => {
    const { app } = await setup();
    const token = await tokenFor(app, 'u1');
    const response = await app.inject({
      method: 'POST',
      url: '/api/llm/completion',
      headers: { 'x-api-token': token },
      payload: Buffer.from(JSON.stringify({ soeid: 'u1', project_name: 'p', prompt: 'hi' })),
    });
    expect(response.statusCode).toBe(200);
    await app.close();
  });

  it('413 for a body over the limit', async () => {
    const { app } = await setup(undefined, { bodyLimit: 1024 });
    const token = await tokenFor(app, 'u1');
    const response = await completion(app, token, {
      soeid: 'u1',
      project_name: 'p',
      prompt: 'x'.repeat(4096),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ detail: 'Request body too large' });
    expect(sim.requests).toHaveLength(0);
    await app.close();
  });
});

describe('pipeline failures', () => {
  async function failing(error: unknown) {
    const broken: Pipeline = {
      defaultModel: 'gpt-4o-mini',
      models: () => pipeline.models(),
      chat: async () => {
        throw error;
      },
      stream: async () => {
        throw error;
      },
    };
    return setup(undefined, { pipeline: broken });
  }

  it('429 with the Retry-After of the rate limiter', async () => {
    const { app } = await failing(
      new GatewayError('rate_limited', 'Rate limit exceeded', {
        retryAfterMs: 12_000,
        headers: { 'Retry-After': '12', 'X-RateLimit-Limit': '100' },
      }),
    );
    const response = await completion(app, '1', { soeid: 'u1', project_name: 'p', prompt: 'hi' });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('12');
    expect(response.headers['x-ratelimit-limit']).toBe('100');
    expect(response.json()).toEqual({ detail: 'Rate limit exceeded' });
    await app.close();
  });

  it('500 without internals for an unexpected error', async () => {
    const { app } = await failing(new Error('connect ECONNREFUSED mongodb://admin:hunter2@db'));
    const response = await completion(app, '1', { soeid: 'u1', project_name: 'p', prompt: 'hi' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ detail: 'Internal Server Error' });
    expect(response.body).not.toContain('hunter2');
    await app.close();
  });

  it('502 with a safe message when the upstream fails, never its body', async () => {
    const { app } = await setup();
    sim.inject({
      status: 500,
      body: { error: { message: 'org-secret-123 quota', type: 'server_error' } },
      times: 10,
    });
    const response = await completion(app, '1', { soeid: 'u1', project_name: 'p', prompt: 'hi' });
    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual({ detail: 'Upstream LLM service error (status 500)' });
    expect(response.body).not.toContain('org-secret');
    await app.close();
  });

  it('429 with Retry-After when the upstream is rate limited', async () => {
    const { app } = await setup();
    sim.inject({ status: 429, headers: { 'retry-after': '7' }, times: 10 });
    const response = await completion(app, '1', { soeid: 'u1', project_name: 'p', prompt: 'hi' });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json().detail).toEqual(expect.any(String));
    await app.close();
  });

  it('404 for a model nobody serves', async () => {
    const { app } = await setup();
    const response = await completion(app, '1', {
      soeid: 'u1',
      project_name: 'p',
      prompt: 'hi',
      model: 'nope',
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().detail).toContain("'nope'");
    await app.close();
  });
});

describe('/generate-token and /generate-token-simple', () => {
  it('returns the token with its SOEID and project', async () => {
    const { app } = await setup();
    const response = await app.inject({
      method: 'POST',
      url: '/generate-token',
      headers: { 'x-token-secret': TOKEN_SECRET },
      payload: { soeid: 'user123', project_id: 'optional' },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      token: expect.any(String),
      token_type: 'bearer',
      soeid: 'user123',
      project_id: 'optional',
    });
    expect(body.token.split('.')).toHaveLength(3);
    await app.close();
  });

  it('401 for a wrong or missing X-Token-Secret', async () => {
    const { app } = await setup();
    const wrong = await app.inject({
      method: 'POST',
      url: '/generate-token',
      headers: { 'x-token-secret': 'guess' },
      payload: { soeid: 'user123' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ detail: 'Invalid token secret' });
    const missing = await app.inject({
      method: 'POST',
      url: '/generate-token',
      payload: { soeid: 'user123' },
    });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ detail: 'Missing X-Token-Secret header' });
    await app.close();
  });

  it('503 when no token secret is configured', async () => {
    const { app } = await setup({ tokenSecret: '' });
    const response = await app.inject({
      method: 'POST',
      url: '/generate-token',
      headers: { 'x-token-secret': '' },
      payload: { soeid: 'user123' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().detail).toMatch(/no token secret/);
    await app.close();
  });

  it('422 without a soeid', async () => {
    const { app } = await setup();
    const response = await app.inject({
      method: 'POST',
      url: '/generate-token',
      headers: { 'x-token-secret': TOKEN_SECRET },
      payload: { project_id: 'x' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'soeid'] });
    await app.close();
  });

  it('503 when no auth scheme issues tokens', async () => {
    const noIssuer: AuthScheme = { name: 'none', authenticate: async () => undefined };
    const { app } = await setup(undefined, { schemes: [noIssuer] });
    const response = await app.inject({
      method: 'POST',
      url: '/generate-token',
      headers: { 'x-token-secret': TOKEN_SECRET },
      payload: { soeid: 'u' },
    });
    expect(response.statusCode).toBe(503);
    await app.close();
  });

  it('/generate-token-simple answered a bare 404 when off: now 403 saying how to enable it (still undocumented)', async () => {
    const off = await setup();
    const response = await off.app.inject({
      method: 'POST',
      url: '/generate-token-simple',
      payload: { soeid: 'u1' },
    });
    expect(response.statusCode).toBe(403);
    const { detail } = response.json();
    expect(detail).toMatch(/^\/generate-token-simple is disabled on this gateway/);
    expect(detail).toContain('config.simpleTokenEndpoint: true');
    expect(detail).toContain('SIMPLE_TOKEN_ENDPOINT=true');
    expect(detail).toContain('POST /generate-token with X-Token-Secret');
    const docs = off.app.swagger() as { paths: Record<string, unknown> };
    expect(docs.paths['/generate-token-simple']).toBeUndefined();
    await off.app.close();

    const on = await setup({ tokenSecret: TOKEN_SECRET, simpleTokenEndpoint: 'true' });
    const issued = await on.app.inject({
      method: 'POST',
      url: '/generate-token-simple',
      payload: { soeid: 'u1' },
    });
    expect(issued.statusCode).toBe(200);
    expect(issued.json().token).toBe(await tokenFor(on.app, 'u1'));
    await on.app.close();
  });
});

describe('/verify-token', () => {
  const verify = (app: FastifyInstance, token: string, secret: string | null = TOKEN_SECRET) =>
    app.inject({
      method: 'POST',
      url: '/verify-token',
      headers: secret === null ? {} : { 'x-token-secret': secret },
      payload: { token },
    });

  it('says valid with the SOEID and project of a good token', async () => {
    const { app } = await setup();
    const response = await verify(app, await tokenFor(app, 'user123', 'proj-9'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ valid: true, soeid: 'user123', project_id: 'proj-9' });
    await app.close();
  });

  it('says invalid for a forged token', async () => {
    const { app } = await setup();
    const forged = await (await jwtScheme(false, 'another-secret-another-secret-another')).issueToken!(
      'user123',
    );
    const response = await verify(app, forged);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ valid: false, detail: 'Invalid token' });
    await app.close();
  });

  it('needs the secret', async () => {
    const { app } = await setup();
    const token = await tokenFor(app, 'user123');
    expect((await verify(app, token, null)).statusCode).toBe(401);
    expect((await verify(app, token, 'wrong')).statusCode).toBe(401);
    await app.close();
  });
});

describe('/telemetry', () => {
  it("stores a custom event as the request's own record, attributed to the caller", async () => {
    const { app, test } = await setup();
    const token = await tokenFor(app, 'ab1234');
    const event = { event_type: 'feedback', project_name: 'risk-analysis', rating: 5, nested: { ok: true } };
    const response = await app.inject({
      method: 'POST',
      url: '/telemetry',
      headers: { 'x-api-token': token },
      payload: event,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({ status: 'logged', request_id: expect.any(String) });
    // The event is the request's own record: no second record, the request's id, the event inside.
    expect(test.emitted).toHaveLength(0);
    const { context } = test.finished.at(-1)!;
    expect(context.requestId).toBe(body.request_id);
    expect(context).toMatchObject({ surface: 'dgen-ping', endpoint: 'telemetry' });
    expect(context.principal.id).toBe('ab1234');
    expect(context.annotations).toMatchObject({ projectName: 'risk-analysis', event });
    await app.close();
  });

  it('401 without a token and 422 for a body that is not an object', async () => {
    const { app, test } = await setup();
    const anonymous = await app.inject({ method: 'POST', url: '/telemetry', payload: { event_type: 'x' } });
    expect(anonymous.statusCode).toBe(401);
    const list = await app.inject({
      method: 'POST',
      url: '/telemetry',
      headers: { 'x-api-token': '1', 'content-type': 'application/json' },
      payload: '[1]',
    });
    expect(list.statusCode).toBe(422);
    expect(list.json().detail[0]).toMatchObject({ type: 'dict_type', loc: ['body'] });
    expect(test.emitted).toHaveLength(0);
    await app.close();
  });
  it('422 for an event whose field names no store can hold (a NUL, a leading $, a dot) or that nests too deep: one such event once stopped all telemetry reaching MongoDB', async () => {
    const { app, test } = await setup();
    const token = await tokenFor(app, 'ab1234');
    const post = (payload: string) =>
      app.inject({
        method: 'POST',
        url: '/telemetry',
        headers: { 'x-api-token': token, 'content-type': 'application/json' },
        payload,
      });
    const nul = await post('{"a\\u0000b":1}');
    expect(nul.statusCode).toBe(422);
    expect(nul.json().detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'a\u0000b'] });
    const dollar = await post('{"ok":{"$where":"sleep(1000)"}}');
    expect(dollar.statusCode).toBe(422);
    expect(dollar.json().detail[0]).toMatchObject({ loc: ['body', 'ok', '$where'] });
    expect(dollar.json().detail[0].msg).toMatch(/must not start with '\$'/);
    expect((await post('{"list":[{"a.b":1}]}')).json().detail[0]).toMatchObject({
      loc: ['body', 'list', 0, 'a.b'],
    });
    const deep = await post(`{"x":${'['.repeat(40)}${']'.repeat(40)}}`);
    expect(deep.statusCode).toBe(422);
    expect(deep.json().detail[0].msg).toMatch(/nested deeper than 16 levels/);
    // Names that are fine elsewhere in the key still pass: '$' inside, unicode, an empty name.
    expect((await post('{"price_$":1,"ünï":{"":2}}')).statusCode).toBe(200);
    expect(test.finished.at(-1)!.context.annotations.event).toEqual({ price_$: 1, ünï: { '': 2 } });
    await app.close();
  });
});

describe('/info and the docs', () => {
  it('describes the service, its models and its token settings', async () => {
    const { app } = await setup();
    const response = await app.inject({ method: 'GET', url: '/info' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      service: 'llm-gateway-test',
      version: '9.9.9',
      default_model: 'gpt-4o-mini',
      auth: 'jwt',
      default_token_allowed: true,
      simple_token_endpoint: false,
      default_max_tokens: 2000,
      default_temperature: 0.7,
    });
    expect(body.models).toEqual(expect.arrayContaining(['gpt-4', 'gpt-4o-mini', 'gemini']));
    await app.close();

    const strict = await setup(undefined, { allowDefaultToken: false });
    expect((await strict.app.inject({ method: 'GET', url: '/info' })).json().default_token_allowed).toBe(
      false,
    );
    await strict.app.close();
  });

  it('documents every route in the OpenAPI document', async () => {
    const { app } = await setup({ tokenSecret: TOKEN_SECRET, simpleTokenEndpoint: true });
    // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked by path.
    const docs = app.swagger() as any;
    for (const path of [
      '/api/llm/completion',
      '/api/llm/chat',
      '/generate-token',
      '/generate-token-simple',
      '/verify-token',
      '/telemetry',
    ]) {
      expect(docs.paths[path].post.summary).toEqual(expect.any(String));
    }
    expect(docs.paths['/info'].get.tags).toEqual(['dgen-ping']);
    const completionDoc = docs.paths['/api/llm/completion'].post;
    expect(completionDoc.requestBody.content['application/json'].schema.required).toEqual([
      'soeid',
      'project_name',
      'prompt',
    ]);
    expect(Object.keys(completionDoc.responses)).toEqual(expect.arrayContaining(['200', '422']));
    await app.close();
  });
});
