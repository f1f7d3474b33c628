/**
 * Every surface on one port: the built `gateway` process on configs/all-surfaces.yaml, upstreams played
 * by the testkit OpenAI simulator. Each seed's client talks to the same host in its own wire format, with
 * its own credentials, and gets its own error shapes; the OpenAI surface is driven with the `openai` SDK.
 */
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProfile, type Gateway, startGateway } from './helpers/gateway.js';
import { detailOf, dgenPingToken, expectOpenAIError, postJson, requestsFor } from './helpers/http.js';

const TOKEN_SECRET = 'e2e-all-surfaces-token-secret-0123456789';
const API_KEY = 'e2e-all-surfaces-api-key-7f3a9c';
const keys = { openai: 'sk-e2e-all-openai-0123456789', groq: 'gsk_e2e_all_groq_0123456789' };
const dspClient = { client_id: 'test_client', client_secret: 'password' };

let sim: Simulator;
let gateway: Gateway;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startOpenAISimulator();
  env = {
    TOKEN_SECRET,
    GATEWAY_API_KEYS: API_KEY,
    DSP_ALLOW_EXAMPLE_SECRET: 'true', // the shipped example clients (secret `password`)
    OPENAI_API_KEY: keys.openai,
    OPENAI_BASE_URL: `${sim.url}/v1`,
    GROQ_API_KEY: keys.groq,
    GROQ_BASE_URL: sim.url,
    LOG_LEVEL: 'info',
  };
  gateway = await startGateway({ profile: 'configs/all-surfaces.yaml', env });
});

afterAll(async () => {
  await gateway?.stop();
  await sim?.close();
});

const dgenToken = (soeid: string) => dgenPingToken(gateway.url, TOKEN_SECRET, soeid);

function openai(apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
}

describe('the profile', () => {
  it('passes `gateway check` with its environment, and names TOKEN_SECRET without it', async () => {
    const ok = await checkProfile('configs/all-surfaces.yaml', env);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.stdout).toMatch(
      /surfaces {2}openai \(surface-openai\) at \/ auth \[keys, jwt\]; anthropic \(surface-anthropic\) at \/ auth \[keys, jwt\]; dgen-ping \(surface-dgen-ping\) at \/ auth \[jwt\]; dsp \(surface-dsp\) at \/ auth \[clients\]/,
    );
    const missing = await checkProfile('configs/all-surfaces.yaml', { ...env, TOKEN_SECRET: undefined });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/auth\.jwt\.config\.secret: environment variable TOKEN_SECRET is not set/);
  });
});

describe('each seed client on the one port', () => {
  it('OpenAI SDK with an API key', async () => {
    const completion = await openai(API_KEY).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'all surfaces via openai' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: all surfaces via openai');
    expect(requestsFor(sim, 'all surfaces via openai')[0]?.headers.authorization).toBe(
      `Bearer ${keys.openai}`,
    );
  });

  it('OpenAI SDK with a dgen-ping JWT as the bearer token', async () => {
    const token = await dgenToken('ab1234');
    const completion = await openai(token).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'jwt on the openai surface' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: jwt on the openai surface');
  });

  it('dgen-ping: generate-token, then /api/llm/completion with X-API-Token', async () => {
    const token = await dgenToken('your_user_id');
    const response = await postJson(
      `${gateway.url}/api/llm/completion`,
      { soeid: 'your_user_id', project_name: 'test', prompt: 'Hello, how are you?' },
      { 'X-API-Token': token },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      soeid: 'your_user_id',
      project_name: 'test',
      model: 'gpt-4o-mini',
      completion: 'Echo: Hello, how are you?',
    });
    const info = (await (await fetch(`${gateway.url}/info`)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ auth: 'jwt', default_token_allowed: false });
  });

  it('DSP: /api/v1/generate with client_id and client_secret, and the reload', async () => {
    const response = await postJson(
      `${gateway.url}/api/v1/generate`,
      {
        prompt: 'Hello, world!',
        temperature: 0.7,
        max_tokens: 150,
        provider: 'groq',
        model: 'mixtral-8x7b-32768',
      },
      dspClient,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ text: 'Echo: Hello, world!', model: 'mixtral-8x7b-32768' });
    expect(requestsFor(sim, 'Hello, world!')[0]?.path).toBe('/openai/v1/chat/completions');
    const reload = await fetch(`${gateway.url}/api/v1/clients/reload`, { headers: dspClient });
    expect(await reload.json()).toMatchObject({
      message: 'Successfully reloaded 3 client configurations',
      count: 3,
      skipped: [],
    });
  });
});

describe('credentials and error shapes stay with their surface', () => {
  it('the OpenAI surface answers in its own shape and takes neither client headers nor token "1"', async () => {
    const chat = (headers: Record<string, string>) =>
      postJson(
        `${gateway.url}/v1/chat/completions`,
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
        headers,
      );
    await expectOpenAIError(await chat({}), 401);
    await expectOpenAIError(await chat(dspClient), 401);
    await expectOpenAIError(await chat({ Authorization: 'Bearer 1' }), 401);
    await expectOpenAIError(await chat({ Authorization: 'Bearer not-a-key' }), 401);
  });

  it('dgen-ping refuses an API key and DSP credentials; DSP refuses a JWT', async () => {
    const body = { soeid: 'ab1234', project_name: 'p', prompt: 'crossed' };
    expect(
      await detailOf(
        await postJson(`${gateway.url}/api/llm/completion`, body, { 'X-API-Token': API_KEY }),
        401,
      ),
    ).toBe('Invalid token');
    expect(await detailOf(await postJson(`${gateway.url}/api/llm/completion`, body, dspClient), 401)).toBe(
      'Missing X-API-Token header',
    );
    const jwtAsSecret = { client_id: 'test_client', client_secret: await dgenToken('test_client') };
    expect(
      await detailOf(await postJson(`${gateway.url}/api/v1/generate`, { prompt: 'x' }, jwtAsSecret), 401),
    ).toBe('Invalid client credentials');
    expect(
      await detailOf(
        await postJson(
          `${gateway.url}/api/v1/generate`,
          { prompt: 'x' },
          { Authorization: `Bearer ${API_KEY}` },
        ),
        401,
      ),
    ).toBe('Missing client_id or client_secret header');
    expect(requestsFor(sim, 'crossed')).toHaveLength(0);
  });

  it('malformed JSON: 422 in FastAPI shape on the FastAPI surfaces, 400 in OpenAI shape on /v1', async () => {
    const broken = '{"prompt": ';
    const dsp = (await detailOf(
      await postJson(`${gateway.url}/api/v1/generate`, broken, dspClient),
      422,
    )) as Array<{
      type: string;
    }>;
    expect(dsp[0]?.type).toBe('json_invalid');
    const dgen = (await detailOf(await postJson(`${gateway.url}/api/llm/completion`, broken), 422)) as Array<{
      type: string;
    }>;
    expect(dgen[0]?.type).toBe('json_invalid');
    await expectOpenAIError(
      await postJson(`${gateway.url}/v1/chat/completions`, broken, { Authorization: `Bearer ${API_KEY}` }),
      400,
    );
  });
});

describe('shared routes', () => {
  it('/health, /v1/models and /openapi.json cover every surface', async () => {
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'healthy',
      available_models: expect.arrayContaining(['gpt-4o-mini', 'mixtral-8x7b-32768']),
    });
    const models = [];
    for await (const model of openai(API_KEY).models.list()) models.push(model.id);
    expect(models).toEqual(expect.arrayContaining(['gpt-4o-mini', 'llama-3.1-8b-instant']));

    const docs = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/v1/chat/completions',
        '/api/llm/completion',
        '/api/llm/chat',
        '/generate-token',
        '/verify-token',
        '/telemetry',
        '/info',
        '/api/v1/generate',
        '/api/v1/clients/reload',
      ]),
    );
  });

  it('never answered a 500, and the process is alive', async () => {
    expect(gateway.child.exitCode).toBeNull();
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    expect(await gateway.writtenLogs()).not.toMatch(/unhandled error|"statusCode":5\d\d/);
    expect(await gateway.writtenLogs()).not.toContain(TOKEN_SECRET);
    expect(await gateway.writtenLogs()).not.toContain(API_KEY);
  });
});
