/**
 * The DeepSeek "LLM Gateway" seed's clients on configs/all-surfaces.yaml: the built `gateway` process with
 * the seed's own variables (PROXYAPI_API_KEY, OPENROUTER_BASE_URL, VITTE_LLM_MODEL), its OpenRouter-style
 * upstream played by one OpenAI simulator and the openai backend by another, driven with the `openai` SDK.
 */
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { requestsFor } from './helpers/http.js';

const API_KEY = 'e2e-all-deepseek-api-key-5b1e';
const PROXYAPI_API_KEY = 'sk-e2e-proxyapi-0123456789';
const seedModel = 'deepseek/deepseek-v3.2';

let openrouter: Simulator;
let openaiSim: Simulator;
let gateway: Gateway;

beforeAll(async () => {
  [openrouter, openaiSim] = await Promise.all([startOpenAISimulator(), startOpenAISimulator()]);
  gateway = await startGateway({
    profile: 'configs/all-surfaces.yaml',
    env: {
      TOKEN_SECRET: 'e2e-all-deepseek-token-secret-0123456789',
      GATEWAY_API_KEYS: API_KEY,
      OPENAI_API_KEY: 'sk-e2e-all-deepseek-openai',
      OPENAI_BASE_URL: `${openaiSim.url}/v1`,
      PROXYAPI_API_KEY,
      OPENROUTER_BASE_URL: `${openrouter.url}/v1`,
      VITTE_LLM_MODEL: seedModel,
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: '1',
      RETRY_ATTEMPTS: '1',
      LOG_LEVEL: 'info',
    },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([openrouter?.close(), openaiSim?.close()]);
});

const client = () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: API_KEY, maxRetries: 0 });
const user = (content: string) => [{ role: 'user' as const, content }];

describe('the DeepSeek gateway seed on all-surfaces.yaml', () => {
  it('/health said version 0.1.0: now the seed 1.0.0, from the profile', async () => {
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'healthy', service: 'llm-gateway', version: '1.0.0' });
  });

  it('deepseek/deepseek-v3.2 reached an upstream as deepseek-v3.2: now OpenRouter gets the full id and PROXYAPI_API_KEY', async () => {
    const completion = await client().chat.completions.create({
      model: seedModel,
      messages: user('seed model on all surfaces'),
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: seed model on all surfaces');
    const [upstream] = requestsFor(openrouter, 'seed model on all surfaces');
    expect(upstream?.path).toBe('/v1/chat/completions');
    expect((upstream?.body as { model: string }).model).toBe(seedModel);
    expect(upstream?.headers.authorization).toBe(`Bearer ${PROXYAPI_API_KEY}`);
    expect(requestsFor(openaiSim, 'seed model on all surfaces')).toHaveLength(0);
  });

  it("the seed's model-less request (its README's httpx call) went to DEFAULT_MODEL: now VITTE_LLM_MODEL", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ messages: user('no model named'), stream: false }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { model: string }).model).toBe(seedModel);
    expect((requestsFor(openrouter, 'no model named')[0]?.body as { model: string }).model).toBe(seedModel);
    expect(requestsFor(openaiSim, 'no model named')).toHaveLength(0);
  });

  it("JSON /metrics circuit_breaker showed the openai backend closed while deepseek's was open: now the open one", async () => {
    openrouter.inject({ status: 500, times: 1, path: '/v1/chat/completions' });
    await expect(
      client().chat.completions.create({ model: seedModel, messages: user('break the seed upstream') }),
    ).rejects.toMatchObject({ status: 502 });
    const metrics = (await (await fetch(`${gateway.url}/metrics?format=json`)).json()) as Record<
      string,
      unknown
    >;
    expect(metrics.circuit_breaker).toEqual({ state: 'open', failure_count: 1, failure_threshold: 1 });
    expect(metrics.circuit_breaker_backend).toBe('openrouter');
    expect(metrics.circuit_breakers).toMatchObject({ openai: { state: 'closed' } });
  });
});
