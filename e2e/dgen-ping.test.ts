/**
 * dgen-ping end to end: the built `gateway` process on configs/dgen-ping.yaml with the seed's environment
 * variables, the downstream LLM service played by the testkit OpenAI simulator, driven with plain fetch
 * exactly as the seed's README shows its curl calls (same paths, headers and bodies).
 */
import { createHmac } from 'node:crypto';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, runGatewayCli, startGateway } from './helpers/gateway.js';
import { detailOf, dgenPingToken, postJson, requestsFor } from './helpers/http.js';

/** The seed README's example secret; the JWT signing secret is the same TOKEN_SECRET. */
const TOKEN_SECRET = 'dgen_secret_key';

let sim: Simulator;
/** ALLOW_DEFAULT_TOKEN=false, no /generate-token-simple: a production setup. */
let gateway: Gateway;
/** ALLOW_DEFAULT_TOKEN=true and SIMPLE_TOKEN_ENDPOINT=true: the seed's development setup. */
let dev: Gateway;
/** RATE_LIMIT=2 (requests per minute per caller). */
let limited: Gateway;

function seedEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TOKEN_SECRET,
    DOWNSTREAM_LLM_URL: `${sim.url}/v1`,
    DOWNSTREAM_MODELS: 'gpt-4,gemini',
    DEFAULT_MODEL: 'gemini',
    DEFAULT_MAX_TOKENS: '10000',
    DEFAULT_TEMPERATURE: '0.3',
    LLM_TIMEOUT: '120',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

beforeAll(async () => {
  sim = await startOpenAISimulator();
  [gateway, dev, limited] = await Promise.all([
    startGateway({ profile: 'configs/dgen-ping.yaml', env: seedEnv({ ALLOW_DEFAULT_TOKEN: 'false' }) }),
    startGateway({
      profile: 'configs/dgen-ping.yaml',
      env: seedEnv({ ALLOW_DEFAULT_TOKEN: 'true', SIMPLE_TOKEN_ENDPOINT: 'true' }),
    }),
    startGateway({ profile: 'configs/dgen-ping.yaml', env: seedEnv({ RATE_LIMIT: '2' }) }),
  ]);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), dev?.stop(), limited?.stop()]);
  await sim?.close();
});

/** `curl -X POST .../generate-token -H "X-Token-Secret: ..." -H "Content-Type: application/json" -d '{"soeid": ...}'` */
/** `secret: null` sends no X-Token-Secret header. */
function generateToken(target: Gateway, body: unknown, secret: string | null = TOKEN_SECRET) {
  return postJson(`${target.url}/generate-token`, body, secret === null ? {} : { 'X-Token-Secret': secret });
}

const tokenFor = (soeid: string, target = gateway) => dgenPingToken(target.url, TOKEN_SECRET, soeid);

/** `curl -X POST .../api/llm/completion -H "X-API-Token: YOUR_TOKEN" -H "Content-Type: application/json" -d '{...}'` */
function completion(target: Gateway, token: string | undefined, body: unknown, path = '/api/llm/completion') {
  return postJson(`${target.url}${path}`, body, token === undefined ? {} : { 'X-API-Token': token });
}

const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A JWT signed here, as an attacker (or the original Python service) would. */
function signJwt(payload: object, secret: string, alg: 'HS256' | 'HS512' = 'HS256'): string {
  const signed = `${b64url({ alg, typ: 'JWT' })}.${b64url(payload)}`;
  const hmac = createHmac(alg === 'HS256' ? 'sha256' : 'sha512', secret).update(signed);
  return `${signed}.${hmac.digest('base64url')}`;
}

describe('the documented flow (seed Quick Start)', () => {
  it('generates a token with X-Token-Secret and completes a prompt with it', async () => {
    const tokenResponse = await generateToken(gateway, { soeid: 'your_user_id' });
    expect(tokenResponse.status).toBe(200);
    const issued = (await tokenResponse.json()) as Record<string, unknown>;
    expect(issued).toEqual({ token: expect.any(String), token_type: 'bearer', soeid: 'your_user_id' });
    const token = issued.token as string;
    expect(token.split('.')).toHaveLength(3);

    const response = await completion(gateway, token, {
      soeid: 'your_user_id',
      project_name: 'test',
      prompt: 'Hello, how are you?',
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      request_id: expect.any(String),
      soeid: 'your_user_id',
      project_name: 'test',
      model: 'gemini',
      completion: 'Echo: Hello, how are you?',
      finish_reason: 'stop',
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
      latency_ms: expect.any(Number),
      backend: 'llm',
    });
    const usage = body.usage as Record<string, number>;
    expect(usage.total_tokens).toBe(usage.prompt_tokens! + usage.completion_tokens!);
    expect(response.headers.get('x-request-id')).toBe(body.request_id);

    // DEFAULT_MODEL, DEFAULT_MAX_TOKENS and DEFAULT_TEMPERATURE from the seed's .env reach the downstream service.
    const [upstream] = requestsFor(sim, 'Hello, how are you?');
    expect(upstream?.path).toBe('/v1/chat/completions');
    const sent = upstream?.body as Record<string, unknown>;
    expect(sent.model).toBe('gemini');
    expect(sent.temperature).toBe(0.3);
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(10000);
  });

  it('serves /api/llm/chat as an alias, with the request format of the telemetry edition', async () => {
    const token = await tokenFor('ab1234');
    const prompt = 'Explain the concept of market volatility';
    const response = await completion(
      gateway,
      token,
      {
        soeid: 'ab1234',
        project_name: 'risk-analysis',
        prompt,
        model: 'gpt-4',
        temperature: 0.7,
        max_tokens: 2000,
      },
      '/api/llm/chat',
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      soeid: 'ab1234',
      project_name: 'risk-analysis',
      model: 'gpt-4',
      completion: `Echo: ${prompt}`,
    });
    const sent = requestsFor(sim, prompt)[0]?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'gpt-4', temperature: 0.7 });
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(2000);
  });

  it('issues the same token for the same SOEID, another for another SOEID or project', async () => {
    const first = await tokenFor('user123');
    expect(await tokenFor('user123')).toBe(first);
    expect(await tokenFor('user456')).not.toBe(first);

    const withProject = await generateToken(gateway, { soeid: 'user123', project_id: 'optional' });
    expect(await withProject.json()).toEqual({
      token: expect.any(String),
      token_type: 'bearer',
      soeid: 'user123',
      project_id: 'optional',
    });
    // Every instance with the same TOKEN_SECRET issues the same token, so instances share nothing.
    expect(await tokenFor('user123', dev)).toBe(first);
  });

  it('`gateway token` prints the token /generate-token returns', async () => {
    const result = await runGatewayCli(['token', 'user123', '--profile', 'configs/dgen-ping.yaml'], {
      env: seedEnv(),
    });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout.trim()).toBe(await tokenFor('user123'));
  });

  it('verifies a token with X-Token-Secret', async () => {
    const token = (await (await generateToken(gateway, { soeid: 'user123', project_id: 'p-1' })).json()) as {
      token: string;
    };
    const verify = (body: unknown, secret?: string) =>
      postJson(`${gateway.url}/verify-token`, body, secret === undefined ? {} : { 'X-Token-Secret': secret });

    const good = await verify({ token: token.token }, TOKEN_SECRET);
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ valid: true, soeid: 'user123', project_id: 'p-1' });

    const forged = await verify(
      { token: signJwt({ sub: 'user123', soeid: 'user123' }, 'not-the-secret') },
      TOKEN_SECRET,
    );
    expect(forged.status).toBe(200);
    expect(await forged.json()).toMatchObject({ valid: false, detail: expect.any(String) });

    expect(await detailOf(await verify({ token: token.token }), 401)).toBe('Missing X-Token-Secret header');
    expect(await detailOf(await verify({ token: token.token }, 'wrong'), 401)).toBe('Invalid token secret');
  });

  it('logs a custom telemetry event', async () => {
    const token = await tokenFor('ab1234');
    const response = await postJson(
      `${gateway.url}/telemetry`,
      { event_type: 'feedback', soeid: 'ab1234', project_name: 'risk-analysis', rating: 5 },
      { 'X-API-Token': token },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'logged', request_id: expect.any(String) });
    expect(await detailOf(await postJson(`${gateway.url}/telemetry`, { event_type: 'x' }), 401)).toBe(
      'Missing X-API-Token header',
    );
  });

  it('describes itself on /info and answers /health', async () => {
    const info = await fetch(`${gateway.url}/info`);
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({
      service: 'dgen-ping',
      default_model: 'gemini',
      models: expect.arrayContaining(['gpt-4', 'gemini']),
      auth: 'jwt',
      default_token_allowed: false,
      simple_token_endpoint: false,
      default_max_tokens: 10000,
      default_temperature: 0.3,
    });
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', service: 'dgen-ping' });
  });
});

describe('the development token and /generate-token-simple', () => {
  it('token "1" acts for any SOEID when ALLOW_DEFAULT_TOKEN=true', async () => {
    const response = await completion(dev, '1', {
      soeid: 'anyone',
      project_name: 'test',
      prompt: 'dev token one',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ soeid: 'anyone', completion: 'Echo: dev token one' });
    expect(await (await fetch(`${dev.url}/info`)).json()).toMatchObject({ default_token_allowed: true });
    // The start-up log says so, loudly.
    expect(dev.logs()).toMatch(/ALLOW_DEFAULT_TOKEN is ON/);
  });

  it('token "1" is refused when ALLOW_DEFAULT_TOKEN=false', async () => {
    const response = await completion(gateway, '1', {
      soeid: 'anyone',
      project_name: 'test',
      prompt: 'refused one',
    });
    expect(await detailOf(response, 401)).toBe('Invalid token');
    expect(requestsFor(sim, 'refused one')).toHaveLength(0);
  });

  it('/generate-token-simple issues a usable token without a secret only when enabled', async () => {
    const simple = await postJson(`${dev.url}/generate-token-simple`, { soeid: 'simple_user' });
    expect(simple.status).toBe(200);
    const { token } = (await simple.json()) as { token: string };
    expect(token).toBe(await tokenFor('simple_user', dev));
    const used = await completion(dev, token, {
      soeid: 'simple_user',
      project_name: 'p',
      prompt: 'simple token',
    });
    expect(used.status).toBe(200);

    // Off: not a bare 404 but a FastAPI-shaped 403 that names the switch.
    const off = await detailOf(await postJson(`${gateway.url}/generate-token-simple`, { soeid: 'x' }), 403);
    expect(off).toMatch(/^\/generate-token-simple is disabled on this gateway/);
    expect(off).toContain('surfaces.dgen-ping.config.simpleTokenEndpoint: true (SIMPLE_TOKEN_ENDPOINT=true');
  });
});

describe('attacks on the dgen-ping surface', () => {
  const body = (soeid: string) => ({ soeid, project_name: 'attack', prompt: `attack as ${soeid}` });

  it('accepts a token signed here with the real secret (so the forgeries below are real JWTs)', async () => {
    const token = signJwt({ sub: 'python_user', soeid: 'python_user' }, TOKEN_SECRET);
    expect((await completion(gateway, token, body('python_user'))).status).toBe(200);
  });

  it('refuses a token signed with another secret', async () => {
    const token = signJwt({ sub: 'victim', soeid: 'victim' }, 'another-secret-entirely');
    expect(await detailOf(await completion(gateway, token, body('victim')), 401)).toBe('Invalid token');
  });

  it('refuses alg:none and an algorithm outside the allow-list', async () => {
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'victim', soeid: 'victim' })}.`;
    expect(await detailOf(await completion(gateway, none, body('victim')), 401)).toBe('Invalid token');
    const hs512 = signJwt({ sub: 'victim', soeid: 'victim' }, TOKEN_SECRET, 'HS512');
    expect(await detailOf(await completion(gateway, hs512, body('victim')), 401)).toBe('Invalid token');
  });

  it('refuses a real token whose claims were altered', async () => {
    const [head, , signature] = (await tokenFor('attacker')).split('.');
    const altered = `${head}.${b64url({ sub: 'victim', soeid: 'victim' })}.${signature}`;
    expect(await detailOf(await completion(gateway, altered, body('victim')), 401)).toBe('Invalid token');
  });

  it("refuses a real token used for another user's SOEID, before any upstream call", async () => {
    const token = await tokenFor('attacker');
    expect(await detailOf(await completion(gateway, token, body('victim')), 403)).toBe(
      'Token does not belong to this soeid',
    );
    expect(requestsFor(sim, 'attack as victim')).toHaveLength(0);
  });

  it('refuses a wrong X-Token-Secret of the same or another length, and a missing one', async () => {
    for (const secret of ['dgen_secret_kez', 'x', 'dgen_secret_key'.repeat(50)]) {
      expect(await detailOf(await generateToken(gateway, { soeid: 'mallory' }, secret), 401)).toBe(
        'Invalid token secret',
      );
    }
    expect(await detailOf(await generateToken(gateway, { soeid: 'mallory' }, null), 401)).toBe(
      'Missing X-Token-Secret header',
    );
  });

  it('401 without X-API-Token, and for garbage in it', async () => {
    expect(await detailOf(await completion(gateway, undefined, body('a')), 401)).toBe(
      'Missing X-API-Token header',
    );
    expect(await detailOf(await completion(gateway, 'not-a-jwt', body('a')), 401)).toBe('Invalid token');
  });

  it('422 in FastAPI shape for malformed JSON and for missing fields', async () => {
    const token = await tokenFor('ab1234');
    const malformed = await completion(gateway, token, '{"soeid": "ab1234", "prompt": ');
    const [decode] = (await detailOf(malformed, 422)) as Array<Record<string, unknown>>;
    expect(decode).toMatchObject({
      type: 'json_invalid',
      loc: ['body', expect.any(Number)],
      msg: 'JSON decode error',
    });

    const missing = (await detailOf(await completion(gateway, token, { soeid: 'ab1234' }), 422)) as Array<
      Record<string, unknown>
    >;
    expect(missing.map((entry) => [entry.type, entry.loc])).toEqual([
      ['missing', ['body', 'project_name']],
      ['missing', ['body', 'prompt']],
    ]);
  });

  it('413 for a body over the 1 MiB limit', async () => {
    const token = await tokenFor('ab1234');
    const huge = { soeid: 'ab1234', project_name: 'big', prompt: 'x'.repeat(1_100_000) };
    expect(await detailOf(await completion(gateway, token, huge), 413)).toBe('Request body too large');
  });

  it('never answered a 500, and the process is alive and healthy', async () => {
    expect(gateway.child.exitCode).toBeNull();
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    expect(await gateway.writtenLogs()).not.toMatch(/unhandled error|"statusCode":5\d\d/);
    // The tokens, the secret and the bodies never reach the log.
    expect(await gateway.writtenLogs()).not.toContain(TOKEN_SECRET);
    expect(await gateway.writtenLogs()).not.toContain(await tokenFor('ab1234'));
  });
});

describe('RATE_LIMIT (requests per minute per caller)', () => {
  it('answers 429 with Retry-After in FastAPI shape once a caller is over it; others are unaffected', async () => {
    const token = await tokenFor('busy_user', limited);
    const ask = (n: number) =>
      completion(limited, token, { soeid: 'busy_user', project_name: 'p', prompt: `busy ${n}` });
    expect((await ask(1)).status).toBe(200);
    expect((await ask(2)).status).toBe(200);
    const refused = await ask(3);
    expect(typeof (await detailOf(refused, 429))).toBe('string');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(requestsFor(sim, 'busy 3')).toHaveLength(0);

    const other = await tokenFor('calm_user', limited);
    const calm = await completion(limited, other, {
      soeid: 'calm_user',
      project_name: 'p',
      prompt: 'calm 1',
    });
    expect(calm.status).toBe(200);
  });
});
