/**
 * Credential attacks against every surface of configs/all-surfaces.yaml, bounded: wrong API keys, JWTs
 * signed with another secret, alg=none and tampered JWTs, wrong X-Token-Secret, wrong and unknown DSP
 * clients. None gets in; once one address has had AUTH_FAILURE_ADDRESS_LIMIT failures it gets 429 with
 * Retry-After in each surface's own error shape, while a client from another address still logs in.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { detailOf, dgenPingToken, expectOpenAIError, postJson } from './helpers/http.js';

const TOKEN_SECRET = 'e2e-auth-attacks-token-secret-0123456789';
const API_KEY = 'e2e-auth-attacks-api-key-51c2e0';
const LIMIT = 12;

let sim: Simulator;
let gateway: Gateway;

beforeAll(async () => {
  sim = await startOpenAISimulator();
  gateway = await startGateway({
    profile: 'configs/all-surfaces.yaml',
    env: {
      TOKEN_SECRET,
      GATEWAY_API_KEYS: API_KEY,
      DSP_ALLOW_EXAMPLE_SECRET: 'true', // the shipped example clients (secret `password`)
      OPENAI_API_KEY: 'sk-e2e-attacks-upstream',
      OPENAI_BASE_URL: `${sim.url}/v1`,
      AUTH_FAILURE_LIMIT: String(LIMIT),
      // Many identities from one address: the per-address ceiling is what stops this spray.
      AUTH_FAILURE_ADDRESS_LIMIT: String(LIMIT),
      LOG_LEVEL: 'warn',
    },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await sim?.close();
});

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function jwt(header: Record<string, unknown>, claims: Record<string, unknown>, secret?: string): string {
  const unsigned = `${base64url(header)}.${base64url(claims)}`;
  const signature =
    secret === undefined ? '' : createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

const claims = () => ({ sub: 'ab1234', soeid: 'ab1234', exp: Math.floor(Date.now() / 1000) + 3600 });
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'let me in' }] };
const completion = { soeid: 'ab1234', project_name: 'attack', prompt: 'let me in' };

type Attack = { name: string; send: () => Promise<Response>; shape: 'openai' | 'fastapi' };

function attacks(): Attack[] {
  const url = gateway.url;
  const forged = jwt({ alg: 'HS256', typ: 'JWT' }, claims(), 'not-the-token-secret');
  const none = jwt({ alg: 'none', typ: 'JWT' }, claims());
  return [
    {
      name: 'openai: wrong API key',
      shape: 'openai',
      send: () => postJson(`${url}/v1/chat/completions`, chat, { authorization: 'Bearer sk-guess-1' }),
    },
    {
      name: 'openai: JWT signed with another secret',
      shape: 'openai',
      send: () => postJson(`${url}/v1/chat/completions`, chat, { authorization: `Bearer ${forged}` }),
    },
    {
      name: 'openai: alg=none JWT',
      shape: 'openai',
      send: () => postJson(`${url}/v1/chat/completions`, chat, { authorization: `Bearer ${none}` }),
    },
    {
      name: 'dgen-ping: forged X-API-Token',
      shape: 'fastapi',
      send: () => postJson(`${url}/api/llm/completion`, completion, { 'X-API-Token': forged }),
    },
    {
      name: 'dgen-ping: alg=none X-API-Token',
      shape: 'fastapi',
      send: () => postJson(`${url}/api/llm/chat`, completion, { 'X-API-Token': none }),
    },
    {
      name: 'dgen-ping: wrong X-Token-Secret',
      shape: 'fastapi',
      send: () => postJson(`${url}/generate-token`, { soeid: 'ab1234' }, { 'X-Token-Secret': 'guess' }),
    },
    {
      name: 'dsp: wrong client secret',
      shape: 'fastapi',
      send: () =>
        postJson(
          `${url}/api/v1/generate`,
          { prompt: 'x' },
          { client_id: 'test_client', client_secret: 'guess' },
        ),
    },
    {
      name: 'dsp: unknown client id',
      shape: 'fastapi',
      send: () =>
        postJson(
          `${url}/api/v1/generate`,
          { prompt: 'x' },
          { client_id: 'nobody', client_secret: 'password' },
        ),
    },
  ];
}

/** A POST from another loopback address (Linux routes all of 127/8 to lo), as a second client machine. */
function postFrom(localAddress: string, path: string, body: unknown, headers: Record<string, string>) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(
      `${gateway.url}${path}`,
      {
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.setTimeout(10_000, () => request.destroy(new Error('no answer in 10 s')));
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

describe('credential attacks on every surface', () => {
  it('none gets in, each is a 401 in its surface shape, then the address gets 429 while others still log in', async () => {
    // A real client on the same address before the limit.
    const token = await dgenPingToken(gateway.url, TOKEN_SECRET, 'ab1234');
    const list = attacks();
    let failures = 0;
    for (const attack of list) {
      const response = await attack.send();
      if (attack.shape === 'openai') await expectOpenAIError(response, 401);
      else await detailOf(response, 401);
      failures += 1;
    }
    const real = await postJson(`${gateway.url}/api/llm/completion`, completion, { 'X-API-Token': token });
    expect(real.status, await real.text()).toBe(200);

    // Keep guessing up to the limit: every guess is refused; the limit-th blocks the address.
    while (failures < LIMIT) {
      await expectOpenAIError(await list[0]!.send(), 401);
      failures += 1;
    }
    for (const attack of list) {
      const response = await attack.send();
      expect(Number(response.headers.get('retry-after')), attack.name).toBeGreaterThan(0);
      if (attack.shape === 'openai') {
        expect((await expectOpenAIError(response, 429)).error.code).toBe('auth_throttled');
      } else {
        expect(await detailOf(response, 429)).toMatch(/Too many failed authentication attempts/);
      }
    }
    // The blocked address cannot use a good credential either; another address can.
    const blocked = await postJson(`${gateway.url}/v1/chat/completions`, chat, {
      authorization: `Bearer ${API_KEY}`,
    });
    await expectOpenAIError(blocked, 429);
    const other = await postFrom('127.0.0.2', '/v1/chat/completions', chat, {
      authorization: `Bearer ${API_KEY}`,
    });
    expect(other.status, other.text).toBe(200);
    const dsp = await postFrom(
      '127.0.0.2',
      '/api/v1/generate',
      { prompt: 'hello', provider: 'openai', model: 'gpt-4o-mini' },
      {
        client_id: 'test_client',
        client_secret: 'password',
      },
    );
    expect(dsp.status, dsp.text).toBe(200);
    expect(await gateway.writtenLogs()).not.toContain('not-the-token-secret');
  });
});
