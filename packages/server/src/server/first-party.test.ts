// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profiles spell ${VAR} literally
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';

// First-party plugins named by short name, resolved from this package's workspace dependencies.
let sim: Simulator;
let gateway: GatewayServer;

beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: 'sk-upstream' });
  const profile = parseProfile(
    `
logging: { level: silent }
backends:
  openai:
    plugin: backend-openai
    config: { apiKey: "\${OPENAI_API_KEY}", baseURL: "\${OPENAI_BASE_URL}" }
  groq: { plugin: backend-groq, config: { apiKey: "\${GROQ_API_KEY:-}" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: "\${GATEWAY_API_KEYS}" } }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: openai, fast: { backend: groq, model: llama-3.1-8b-instant } } }
surfaces:
  openai: { plugin: surface-openai, auth: [keys] }
`,
    {
      source: 'first-party.yaml',
      env: { OPENAI_API_KEY: 'sk-upstream', OPENAI_BASE_URL: `${sim.url}/v1`, GATEWAY_API_KEYS: 'gw-key-1' },
    },
  );
  gateway = await buildServer(profile);
});

afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});

describe('first-party plugins through the server', () => {
  it('serves /v1/chat/completions via surface-openai, auth-api-key and backend-openai', async () => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: 'Bearer gw-key-1' },
      payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { content: 'Echo: hello' } }],
    });
    expect(response.headers['x-request-id']).toBeTruthy();
    expect(sim.lastRequest()?.headers.authorization).toBe('Bearer sk-upstream');
  });

  it('refuses a wrong key and reports the disabled backend in /health', async () => {
    const denied = await gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: 'Bearer wrong' },
      payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] },
    });
    expect(denied.statusCode).toBe(401);
    const health = await gateway.app.inject({ method: 'GET', url: '/health' });
    expect(health.json()).toMatchObject({
      status: 'healthy',
      backends: { openai: 'enabled', groq: 'disabled' },
    });
    const fast = await gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: 'Bearer gw-key-1' },
      payload: { model: 'fast', messages: [{ role: 'user', content: 'hello' }] },
    });
    expect(fast.statusCode).toBe(503);
  });

  it('documents the surface routes in /openapi.json', async () => {
    const document = (await gateway.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/chat/completions', '/v1/models']),
    );
  });
});
