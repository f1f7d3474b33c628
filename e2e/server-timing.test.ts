/**
 * Server-Timing on every answer of the built gateway (configs/all-surfaces.yaml, real HTTP): the gateway's
 * own time and the upstream's, for JSON answers, streams, cache hits, refusals, retries and every surface.
 */
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { dgenPingToken, postJson } from './helpers/http.js';

const LATENCY_MS = 40;
const TOKEN_SECRET = 'e2e-server-timing-token-secret-0123456789';
const API_KEY = 'e2e-server-timing-api-key-5d1e0b';
const INFERENCE_KEY = 'e2e-server-timing-inference-key-9a2c';

let sim: Simulator;
let gateway: Gateway;

beforeAll(async () => {
  sim = await startOpenAISimulator({ latencyMs: LATENCY_MS });
  gateway = await startGateway({
    profile: 'configs/all-surfaces.yaml',
    env: {
      TOKEN_SECRET,
      GATEWAY_API_KEYS: API_KEY,
      DSP_ALLOW_EXAMPLE_SECRET: 'true', // the shipped example clients (secret `password`)
      API_KEYS: INFERENCE_KEY,
      OPENAI_API_KEY: 'sk-e2e-timing-openai-0123456789',
      OPENAI_BASE_URL: `${sim.url}/v1`,
      GROQ_API_KEY: 'gsk_e2e_timing_groq_0123456789',
      GROQ_BASE_URL: sim.url,
      CACHE_ENABLED: 'true',
      RETRY_ATTEMPTS: '2',
      LOG_LEVEL: 'warn',
    },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await sim?.close();
});

/** `{ gateway: 0.84, upstream: 51.2, cache: 'hit' }` from a W3C Server-Timing header, checked entry by entry. */
function timingOf(response: Response): Record<string, number | string> {
  const header = response.headers.get('server-timing');
  expect(header, 'Server-Timing header').toBeTypeOf('string');
  const entries = header!.split(', ').map((entry) => {
    const match = /^(\w+);(?:dur=(\d+(?:\.\d{1,3})?)|desc=(\w+))$/.exec(entry);
    if (!match) throw new Error(`Server-Timing entry not in the expected form: ${entry}`);
    return [match[1]!, match[2] === undefined ? match[3]! : Number(match[2])] as const;
  });
  return Object.fromEntries(entries);
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content }],
  ...extra,
});
const bearer = { authorization: `Bearer ${API_KEY}` };

describe('Server-Timing', () => {
  it('splits a JSON chat completion into gateway and upstream time', async () => {
    const response = await postJson(`${gateway.url}/v1/chat/completions`, chat('timing json'), bearer);
    expect(response.status).toBe(200);
    const timing = timingOf(response);
    expect(Object.keys(timing)).toEqual(['gateway', 'upstream']);
    expect(timing.upstream).toBeGreaterThanOrEqual(LATENCY_MS);
    expect(timing.gateway).toBeGreaterThanOrEqual(0);
  });

  it('sends it with a stream head: upstream up to the first part', async () => {
    const response = await postJson(
      `${gateway.url}/v1/chat/completions`,
      chat('timing stream', { stream: true }),
      bearer,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const timing = timingOf(response);
    expect(Object.keys(timing)).toEqual(['gateway', 'upstream']);
    expect(timing.upstream).toBeGreaterThanOrEqual(LATENCY_MS);
    expect(timing.gateway).toBeGreaterThanOrEqual(0);
    expect(await response.text()).toContain('data: [DONE]');
  });

  it('marks a cache hit and names no upstream for it', async () => {
    const first = await postJson(`${gateway.url}/v1/chat/completions`, chat('timing cached'), bearer);
    expect(timingOf(first).upstream).toBeGreaterThanOrEqual(LATENCY_MS);
    const again = await postJson(`${gateway.url}/v1/chat/completions`, chat('timing cached'), bearer);
    expect(again.status).toBe(200);
    expect(timingOf(again)).toEqual({ gateway: expect.any(Number), cache: 'hit' });
  });

  it('counts a retried attempt as upstream time', async () => {
    sim.inject({ status: 503, path: '/chat/completions' });
    const response = await postJson(`${gateway.url}/v1/chat/completions`, chat('timing retried'), bearer);
    expect(response.status).toBe(200);
    expect(timingOf(response).upstream).toBeGreaterThanOrEqual(2 * LATENCY_MS);
  });

  it('gives a refused request the gateway time alone, in the surface error shape', async () => {
    const response = await postJson(`${gateway.url}/v1/chat/completions`, chat('no key'));
    expect(response.status).toBe(401);
    expect(Object.keys(timingOf(response))).toEqual(['gateway']);
  });

  it('is on dgen-ping, DSP and inference answers too', async () => {
    const token = await dgenPingToken(gateway.url, TOKEN_SECRET, 'ab1234');
    const dgen = await postJson(
      `${gateway.url}/api/llm/completion`,
      { soeid: 'ab1234', project_name: 'timing', prompt: 'timing dgen-ping' },
      { 'X-API-Token': token },
    );
    expect(dgen.status).toBe(200);
    expect(timingOf(dgen).upstream).toBeGreaterThanOrEqual(LATENCY_MS);
    const dsp = await postJson(
      `${gateway.url}/api/v1/generate`,
      { prompt: 'timing dsp', provider: 'groq', model: 'mixtral-8x7b-32768' },
      { client_id: 'test_client', client_secret: 'password' },
    );
    expect(dsp.status).toBe(200);
    expect(timingOf(dsp).upstream).toBeGreaterThanOrEqual(LATENCY_MS);
    const task = await postJson(
      `${gateway.url}/generate`,
      { prompt: 'timing task' },
      { 'X-API-Key': INFERENCE_KEY },
    );
    expect(task.status).toBe(202);
    expect(Object.keys(timingOf(task))).toEqual(['gateway']);
  });

  it('feeds the gateway_overhead_seconds histogram beside the request duration one', async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).toMatch(
      /^gateway_overhead_seconds_count\{surface="openai",endpoint="chat.completions"\} \d+$/m,
    );
    expect(text).toMatch(
      /^gateway_overhead_seconds_bucket\{le="0.001",surface="dsp",endpoint="[^"]+"\} \d+$/m,
    );
  });
});
