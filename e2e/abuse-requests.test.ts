/**
 * Attacks on the request path of the built gateway on configs/all-surfaces.yaml, with the OpenAI and
 * Ollama simulators upstream (issue 19): bodies nested 10,000 deep (which overflowed the SDK's own
 * JSON.stringify, answered 502 and opened the backend's breaker for every tenant), a JWT whose subject
 * is an API key's id (must not share its rate-limit bucket), and the inference surface's own limit
 * (60/min, bursts of 10) beside the other surfaces' RATE_LIMIT.
 */
import { createHash } from 'node:crypto';
import { type Simulator, startOllamaSimulator, startOpenAISimulator } from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { detailOf, dgenPingToken, expectOpenAIError, postJson } from './helpers/http.js';

const TOKEN_SECRET = 'e2e-abuse-requests-token-secret-0123456789';
const ATTACKER_KEY = 'e2e-abuse-requests-attacker-key-1f2e';
const TENANT_KEY = 'e2e-abuse-requests-tenant-key-7a9b';
const COLLIDING_KEY = 'e2e-abuse-requests-colliding-key-c3d4';
const INFERENCE_KEY = 'e2e-abuse-requests-inference-key-5e6f';
/** The top-level RATE_LIMIT (openai, dsp and, on its own count, dgen-ping): small, to reach it quickly. */
const RATE_LIMIT = 3;

let openaiSim: Simulator;
let ollama: Simulator;
let gateway: Gateway;

beforeAll(async () => {
  [openaiSim, ollama] = await Promise.all([startOpenAISimulator(), startOllamaSimulator()]);
  gateway = await startGateway({
    profile: 'configs/all-surfaces.yaml',
    env: {
      TOKEN_SECRET,
      GATEWAY_API_KEYS: [ATTACKER_KEY, TENANT_KEY, COLLIDING_KEY].join(','),
      API_KEYS: INFERENCE_KEY,
      OPENAI_API_KEY: 'sk-e2e-abuse-requests-upstream-0123',
      OPENAI_BASE_URL: `${openaiSim.url}/v1`,
      OLLAMA_HOST: ollama.url,
      RATE_LIMIT: String(RATE_LIMIT),
      LOG_LEVEL: 'warn',
    },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([openaiSim?.close(), ollama?.close()]);
});

/** A chat body whose unknown field nests `depth` arrays (~20 KB for 10,000): built as text, never recursed. */
function deepChatBody(depth: number): string {
  const deep = '['.repeat(depth) + ']'.repeat(depth);
  return `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"x_unknown":${deep}}`;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function breakers(): Promise<Record<string, { state: string; failure_count: number }>> {
  const response = await fetch(`${gateway.url}/metrics?format=json`);
  return (
    (await response.json()) as { circuit_breakers: Record<string, { state: string; failure_count: number }> }
  ).circuit_breakers;
}

describe('a body nested 10,000 deep (issue 19)', () => {
  it('is a 400 every time, reaches no upstream, and leaves the breaker closed for the other tenants', async () => {
    for (let i = 0; i < 10; i++) {
      const response = await postJson(
        `${gateway.url}/v1/chat/completions`,
        deepChatBody(10_000),
        bearer(ATTACKER_KEY),
      );
      const body = await expectOpenAIError(response, 400);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'json_too_deep' });
    }
    expect(openaiSim.requests).toHaveLength(0);
    expect((await breakers())['openai']).toMatchObject({ state: 'closed', failure_count: 0 });

    // Another tenant, through the official SDK: served, not 503 circuit_open.
    const client = new OpenAI({ apiKey: TENANT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'still there?' }],
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expect(gateway.child.exitCode).toBeNull();
  });

  it('is a 400 in FastAPI shape on the dgen-ping and inference surfaces', async () => {
    const token = await dgenPingToken(gateway.url, TOKEN_SECRET, 'deep-user');
    const dgen = await postJson(
      `${gateway.url}/api/llm/chat`,
      `{"prompt":"hi","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      { 'X-API-Token': token },
    );
    expect(await detailOf(dgen, 400)).toBe('The JSON body is nested deeper than 64 levels');
    const inference = await postJson(
      `${gateway.url}/generate`,
      `{"prompt":"hi","x":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
      { 'X-API-Key': INFERENCE_KEY },
    );
    expect(await detailOf(inference, 400)).toBe('The JSON body is nested deeper than 64 levels');
    expect(ollama.requests).toHaveLength(0);
  });
});

describe('principals are counted by auth scheme and id (issue 19)', () => {
  it('a JWT whose subject is an API key id does not share that key’s rate-limit bucket', async () => {
    // auth-api-key names a key by the start of its sha256: a JWT can be issued for that same id.
    const keyId = `key-${createHash('sha256').update(COLLIDING_KEY).digest('hex').slice(0, 8)}`;
    const token = await dgenPingToken(gateway.url, TOKEN_SECRET, keyId);
    const ask = (headers: Record<string, string>) =>
      postJson(
        `${gateway.url}/v1/chat/completions`,
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count me' }] },
        headers,
      );
    for (let i = 0; i < RATE_LIMIT; i++) expect((await ask(bearer(COLLIDING_KEY))).status).toBe(200);
    expect((await expectOpenAIError(await ask(bearer(COLLIDING_KEY)), 429)).error.code).toBe(
      'rate_limit_exceeded',
    );
    const asJwt = await ask(bearer(token));
    expect(asJwt.status, await asJwt.clone().text()).toBe(200);
    expect(asJwt.headers.get('x-ratelimit-remaining')).toBe(String(RATE_LIMIT - 1));
  });
});

describe('per-surface rate limits (surfaces.<name>.rateLimit, issue 19)', () => {
  it("the inference surface keeps the seed's 60/min in bursts of 10 beside RATE_LIMIT=3 elsewhere", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const response = await postJson(
        `${gateway.url}/generate`,
        { prompt: `burst ${i}` },
        {
          'X-API-Key': INFERENCE_KEY,
        },
      );
      statuses.push(response.status);
      if (response.status === 429) {
        // The seed's own 429 body.
        expect(await response.json()).toEqual({ error: 'Rate limit exceeded', status_code: 429 });
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      } else await response.arrayBuffer();
    }
    // The deep body above was refused before the limiter: it spent none of the burst.
    expect(statuses).toEqual([...Array(10).fill(202), 429]);
  });
});
