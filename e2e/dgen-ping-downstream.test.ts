/**
 * dgen-ping's DOWNSTREAM_SERVICES as the routing table: the built `gateway` process on
 * configs/dgen-ping.yaml with two service names pointed at two different OpenAI simulators; each model
 * name reaches its own service, with that service's upstream model id and key.
 */
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProfile, type Gateway, startGateway } from './helpers/gateway.js';
import { dgenPingToken, postJson, requestsFor } from './helpers/http.js';

const TOKEN_SECRET = 'dgen_secret_key';
const SHARED_KEY = 'downstream-shared-key';
const GEMINI_KEY = 'gemini-own-key';

/** Plays the gpt-4 service: serves only `gpt-4`, any key. */
let gpt4: Simulator;
/** Plays the gemini service: serves only `gemini-1.5-pro`, with its own key. */
let gemini: Simulator;
let gateway: Gateway;

function seedEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TOKEN_SECRET,
    DOWNSTREAM_SERVICES: JSON.stringify({
      'gpt-4': `${gpt4.url}/v1`,
      gemini: { url: `${gemini.url}/v1`, model: 'gemini-1.5-pro', config: { apiKey: GEMINI_KEY } },
    }),
    DOWNSTREAM_API_KEY: SHARED_KEY,
    DEFAULT_MODEL: 'gemini',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

beforeAll(async () => {
  [gpt4, gemini] = await Promise.all([
    startOpenAISimulator({ models: ['gpt-4'], reply: (body) => `gpt4-svc answers ${body.model}` }),
    startOpenAISimulator({
      models: ['gemini-1.5-pro'],
      apiKey: GEMINI_KEY,
      reply: (body) => `gemini-svc answers ${body.model}`,
    }),
  ]);
  gateway = await startGateway({ profile: 'configs/dgen-ping.yaml', env: seedEnv() });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([gpt4?.close(), gemini?.close()]);
});

const tokenFor = (soeid: string) => dgenPingToken(gateway.url, TOKEN_SECRET, soeid);

async function complete(prompt: string, model?: string): Promise<Response> {
  const body = { soeid: 'ab1234', project_name: 'downstream', prompt, ...(model ? { model } : {}) };
  return postJson(`${gateway.url}/api/llm/completion`, body, { 'X-API-Token': await tokenFor('ab1234') });
}

describe('DOWNSTREAM_SERVICES routes each model name to its service', () => {
  it('"model": "gpt-4" reaches the gpt-4 service only, with the shared key', async () => {
    const response = await complete('route me to gpt-4', 'gpt-4');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      model: 'gpt-4',
      completion: 'gpt4-svc answers gpt-4',
      backend: 'gpt-4',
    });
    const [upstream] = requestsFor(gpt4, 'route me to gpt-4');
    expect(upstream?.path).toBe('/v1/chat/completions');
    expect(upstream?.body).toMatchObject({ model: 'gpt-4' });
    expect(upstream?.headers.authorization).toBe(`Bearer ${SHARED_KEY}`);
    expect(requestsFor(gemini, 'route me to gpt-4')).toHaveLength(0);
  });

  it('"model": "gemini" reaches the gemini service as its model id, with its own key', async () => {
    const response = await complete('route me to gemini', 'gemini');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      model: 'gemini',
      completion: 'gemini-svc answers gemini-1.5-pro',
      backend: 'gemini',
    });
    const [upstream] = requestsFor(gemini, 'route me to gemini');
    expect(upstream?.body).toMatchObject({ model: 'gemini-1.5-pro' });
    expect(upstream?.headers.authorization).toBe(`Bearer ${GEMINI_KEY}`);
    expect(requestsFor(gpt4, 'route me to gemini')).toHaveLength(0);
  });

  it('a request without a model goes to DEFAULT_MODEL (gemini)', async () => {
    const response = await complete('no model named');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ model: 'gemini', backend: 'gemini' });
    expect(requestsFor(gemini, 'no model named')).toHaveLength(1);
    expect(requestsFor(gpt4, 'no model named')).toHaveLength(0);
  });

  it('a model no service serves is a 404, and the default `llm` service is not configured', async () => {
    for (const model of ['claude-3', 'llm']) {
      const response = await complete(`route me to ${model}`, model);
      expect(response.status, model).toBe(404);
      expect(Object.keys((await response.json()) as object)).toEqual(['detail']);
      expect(requestsFor(gpt4, `route me to ${model}`)).toHaveLength(0);
      expect(requestsFor(gemini, `route me to ${model}`)).toHaveLength(0);
    }
  });

  it('/info lists the service names; /health the backend of the default model', async () => {
    const info = (await (await fetch(`${gateway.url}/info`)).json()) as {
      models: string[];
      default_model: string;
    };
    expect(info.models).toEqual(expect.arrayContaining(['gpt-4', 'gemini']));
    expect(info.models).not.toContain('llm');
    expect(info.default_model).toBe('gemini');
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    // It named `gpt-4` (the first service) while the default model was gemini; `model` is the id that service runs.
    expect(await health.json()).toMatchObject({ backend: 'gemini', model: 'gemini-1.5-pro' });
    expect(await gateway.writtenLogs()).not.toContain(GEMINI_KEY);
  });
});

describe('a malformed DOWNSTREAM_SERVICES stops the start', () => {
  it('names the key for invalid JSON and for a value that is not a URL', async () => {
    const broken = await checkProfile(
      'configs/dgen-ping.yaml',
      seedEnv({ DOWNSTREAM_SERVICES: '{"gpt-4": ' }),
    );
    expect(broken.code, broken.output).toBe(1);
    expect(broken.output).toMatch(/backendSets\.downstream\.services: invalid JSON: /);

    const notUrl = await checkProfile(
      'configs/dgen-ping.yaml',
      seedEnv({ DOWNSTREAM_SERVICES: '{"gpt-4": "gpt4-svc:8000"}' }),
    );
    expect(notUrl.code, notUrl.output).toBe(1);
    expect(notUrl.output).toMatch(/backendSets\.downstream\.services\.gpt-4\.url: Expected an http\(s\) URL/);
  });
});
