// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profiles spell ${VAR} literally
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';
import { installJsonDepthLimit } from './json-depth-guard.js';

let sim: Simulator | undefined;
let gateway: GatewayServer | undefined;

afterEach(async () => {
  await gateway?.close();
  await sim?.close();
  gateway = undefined;
  sim = undefined;
});

async function start(server = '') {
  sim = await startOpenAISimulator({ apiKey: 'sk-upstream' });
  const profile = parseProfile(
    `
logging: { level: silent }
${server}
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-upstream, baseURL: "\${BASE}" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: "gw-key-1,gw-key-2" } }
  jwt: { plugin: auth-jwt, config: { secret: "a-test-secret-of-32-characters!!", header: x-api-token, allowDefaultToken: true } }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: openai } }
resilience: { retries: { attempts: 1 }, circuitBreaker: { failureThreshold: 5 } }
surfaces:
  openai: { plugin: surface-openai, auth: [keys] }
  dgen-ping: { plugin: surface-dgen-ping, auth: [jwt] }
`,
    { source: 'json-depth.yaml', env: { BASE: `${sim.url}/v1` } },
  );
  gateway = await buildServer(profile);
  return gateway.app;
}

/** A chat body with an unknown field nested `depth` levels deep (~2 bytes a level). */
function deepChat(depth: number): string {
  const deep = '['.repeat(depth) + ']'.repeat(depth);
  return `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"x_unknown":${deep}}`;
}

const chat = (key: string, payload: string) => ({
  method: 'POST' as const,
  url: '/v1/chat/completions',
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  payload,
});

describe('JSON depth limit (issue 19: five deep bodies opened the breaker for every tenant)', () => {
  it('answers a 10,000-deep body 400 in the OpenAI shape, never calls the upstream, and leaves the breaker closed', async () => {
    const app = await start();
    for (let i = 0; i < 10; i++) {
      const response = await app.inject(chat('gw-key-1', deepChat(10_000)));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: {
          message: 'The JSON body is nested deeper than 64 levels',
          type: 'invalid_request_error',
          param: null,
          code: 'json_too_deep',
        },
      });
    }
    expect(sim!.requests).toHaveLength(0);
    expect(gateway!.pipeline.breakers()['openai']).toMatchObject({ state: 'closed', failure_count: 0 });
    const other = await app.inject(
      chat(
        'gw-key-2',
        JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
      ),
    );
    expect(other.statusCode).toBe(200);
  });

  it('lets a body at the limit through and honours server.maxJsonDepth', async () => {
    const app = await start('server: { maxJsonDepth: 8 }');
    // The body itself opens 3 levels around x_unknown (object, messages array, message object): 1 + 7 = 8.
    expect((await app.inject(chat('gw-key-1', deepChat(7)))).statusCode).toBe(200);
    const deeper = await app.inject(chat('gw-key-1', deepChat(8)));
    expect(deeper.statusCode).toBe(400);
    expect(deeper.json().error.message).toBe('The JSON body is nested deeper than 8 levels');
  });

  it('answers in the FastAPI shape on a FastAPI surface, and leaves text bodies alone', async () => {
    const app = await start();
    const deep = await app.inject({
      method: 'POST',
      url: '/api/llm/chat',
      headers: { 'x-api-token': '1', 'content-type': 'application/json' },
      payload: `{"prompt":"hi","extra":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
    });
    expect(deep.statusCode).toBe(400);
    expect(deep.json()).toEqual({ detail: 'The JSON body is nested deeper than 64 levels' });
    // Without a JSON type FastAPI hands the text to validation: a 422, not the depth limit.
    const text = await app.inject({
      method: 'POST',
      url: '/api/llm/chat',
      headers: { 'x-api-token': '1', 'content-type': 'text/plain' },
      payload: '['.repeat(10_000),
    });
    expect(text.statusCode).toBe(422);
  });
});

describe('JSON depth limit on one keep-alive connection', () => {
  it('never crashes on a body nobody reads and leaves the connection serving the next request', async () => {
    const app = Fastify();
    installJsonDepthLimit(app, 64);
    app.post('/x', async () => ({ ok: true }));
    app.get('/x', async () => ({ get: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, body: string, type = 'application/json') =>
      new Promise<number>((resolve, reject) => {
        const request = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/x',
            method,
            agent,
            headers: { 'content-type': type, 'content-length': Buffer.byteLength(body) },
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
          },
        );
        request.setTimeout(5000, () => request.destroy(new Error(`${method} ${type} timed out`)));
        request.on('error', reject);
        request.end(body);
      });
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const big = JSON.stringify({ text: 'x'.repeat(400_000) });
    try {
      // Regression: a GET's body is never parsed, and its refusal was an unhandled 'error' that killed the process.
      expect(await send('GET', deep)).toBe(200);
      expect(await send('POST', '{"a":1}')).toBe(200);
      expect(await send('POST', deep)).toBe(400);
      expect(await send('POST', '{"a":1}')).toBe(200);
      // A JSON type no parser takes is answered 415 unread: the rest of its body must not stall the connection.
      expect(await send('POST', big, 'application/vnd.example+json')).toBe(415);
      expect(await send('POST', '{"a":1}')).toBe(200);
      expect(await send('DELETE', deep)).toBe(400);
      expect(await send('POST', '{"a":1}')).toBe(200);
    } finally {
      agent.destroy();
      await app.close();
    }
  });
});

describe('JSON depth limit: what a parser reads', () => {
  it('hands parsers a readable-only stream (no writable half piped into per body) with the body intact', async () => {
    const app = Fastify();
    installJsonDepthLimit(app, 64);
    let handed: unknown;
    app.addHook('preParsing', (_request, _reply, payload, done) => {
      handed = payload;
      done(null, payload);
    });
    app.post('/x', async (request) => request.body);
    const big = { text: 'x'.repeat(300_000), nested: [[[1]]] };
    try {
      const response = await app.inject({ method: 'POST', url: '/x', payload: big });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(big);
      expect((handed as { writable?: unknown }).writable).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
