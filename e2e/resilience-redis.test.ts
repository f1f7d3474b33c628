/**
 * The cache and the rate limits shared through one real Redis by two gateway processes on
 * configs/llm-gateway.yaml (REDIS_URL), and a Redis that dies mid-run: requests keep being served.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type RedisInstance, type Simulator, startOpenAISimulator, startRedis } from '@llm-gateway/testkit';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { requestsFor, sseData, waitUntil } from './helpers/http.js';

const profile = 'configs/llm-gateway.yaml';
const seedModel = 'deepseek/deepseek-v3.2';

let sim: Simulator;
const gateways: Gateway[] = [];
const redises: RedisInstance[] = [];

async function gatewayWith(env: Record<string, string>): Promise<Gateway> {
  const gateway = await startGateway({
    profile,
    env: {
      PROXYAPI_API_KEY: 'sk-proxyapi-e2e-redis',
      OPENROUTER_BASE_URL: `${sim.url}/v1`,
      LOG_LEVEL: 'warn',
      RETRY_BASE_DELAY_MS: '5',
      ...env,
    },
  });
  gateways.push(gateway);
  return gateway;
}

const sdk = (gateway: Gateway) =>
  new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
const user = (content: string) => [{ role: 'user' as const, content }];

async function ask(gateway: Gateway, content: string) {
  const { data, response } = await sdk(gateway)
    .chat.completions.create({ model: seedModel, messages: user(content) })
    .withResponse();
  const usage = data.usage as (typeof data.usage & { from_cache?: boolean }) | undefined;
  return { text: data.choices[0]!.message.content, fromCache: usage?.from_cache, response };
}

async function health(gateway: Gateway): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sim = await startOpenAISimulator();
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await Promise.all(redises.map((r) => r.stop()));
  await sim?.close();
});

describe('the response cache on one Redis, shared by two instances', () => {
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    const redis = await startRedis();
    redises.push(redis);
    const env = { REDIS_URL: redis.url, CACHE_TTL: '2', RATE_LIMIT_ENABLED: 'false' };
    [a, b] = await Promise.all([gatewayWith(env), gatewayWith(env)]);
  });

  it('a miss on one instance is a hit on the other, with no upstream call, until the TTL passes', async () => {
    const miss = await ask(a, 'cache me');
    expect(miss).toMatchObject({ text: 'Echo: cache me', fromCache: false });
    expect(miss.response.headers.get('x-gateway-cache')).toBe('miss');

    const hit = await ask(b, 'cache me');
    expect(hit).toMatchObject({ text: 'Echo: cache me', fromCache: true });
    expect(hit.response.headers.get('x-gateway-cache')).toBe('hit');
    expect(hit.response.headers.get('x-gateway-backend')).toBe('deepseek');
    expect(requestsFor(sim, 'cache me')).toHaveLength(1);

    // Other sampling parameters are another question.
    await sdk(b).chat.completions.create({ model: seedModel, messages: user('cache me'), temperature: 0.1 });
    expect(requestsFor(sim, 'cache me')).toHaveLength(2);

    await sleep(2300);
    expect(await ask(b, 'cache me')).toMatchObject({ fromCache: false });
    expect(requestsFor(sim, 'cache me')).toHaveLength(3);
  });

  it('answers a stream request from the cache as a stream, and caches a finished stream', async () => {
    const client = sdk(a);
    const first = await client.chat.completions.create({
      model: seedModel,
      messages: user('stream me twice'),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of first) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Echo: stream me twice');

    // Plain fetch on the other instance: an SSE answer that comes from the cache.
    const response = await fetch(`${b.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: seedModel,
        messages: user('stream me twice'),
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-gateway-cache')).toBe('hit');
    const events = sseData(await response.text());
    expect(events.at(-1)).toBe('[DONE]');
    type Chunk = { choices: { delta?: { content?: string } }[]; usage?: unknown };
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Chunk);
    const replayed = chunks.map((c) => c.choices[0]?.delta?.content ?? '');
    expect(replayed.join('')).toBe('Echo: stream me twice');
    expect(chunks.at(-1)).toMatchObject({ usage: { from_cache: true } });
    expect(requestsFor(sim, 'stream me twice')).toHaveLength(1);
  });
});

describe('rate limits on one Redis, shared by two instances', () => {
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    const redis = await startRedis();
    redises.push(redis);
    const env = { REDIS_URL: redis.url, RATE_LIMIT_REQUESTS_PER_MINUTE: '3', CACHE_ENABLED: 'false' };
    [a, b] = await Promise.all([gatewayWith(env), gatewayWith(env)]);
  });

  it('counts requests to either instance against one limit; a 429 in the OpenAI shape with Retry-After', async () => {
    const first = await ask(a, 'limited 1');
    expect(first.response.headers.get('x-ratelimit-limit')).toBe('3');
    expect(first.response.headers.get('x-ratelimit-remaining')).toBe('2');
    expect((await ask(b, 'limited 2')).response.headers.get('x-ratelimit-remaining')).toBe('1');
    expect((await ask(a, 'limited 3')).response.headers.get('x-ratelimit-remaining')).toBe('0');

    for (const gateway of [b, a]) {
      const error = await sdk(gateway)
        .chat.completions.create({ model: seedModel, messages: user('one too many') })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(APIError);
      const apiError = error as APIError;
      expect(apiError.status).toBe(429);
      expect(apiError.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
      const retryAfter = Number(apiError.headers?.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(apiError.headers?.get('x-ratelimit-remaining')).toBe('0');
    }
    expect(requestsFor(sim, 'one too many')).toHaveLength(0);

    const json = (await (await fetch(`${b.url}/metrics`)).json()) as Record<string, unknown>;
    expect(json.rate_limiter).toMatchObject({ rate: 3, tokens_available: 0 });
  });
});

describe('Redis killed mid-run', () => {
  let redis: RedisInstance;
  let gateway: Gateway;

  beforeAll(async () => {
    redis = await startRedis();
    redises.push(redis);
    gateway = await gatewayWith({ REDIS_URL: redis.url, RATE_LIMIT_REQUESTS_PER_MINUTE: '1000' });
  });

  it('keeps serving (uncached, limited per instance), stays healthy, and uses Redis again once it is back', async () => {
    await waitUntil(async () => (await health(gateway)).body.redis_connected === true, 'Redis connected');
    await ask(gateway, 'before the crash');
    expect(await ask(gateway, 'before the crash')).toMatchObject({ fromCache: true });

    await redis.kill();
    await waitUntil(async () => (await health(gateway)).body.redis_connected === false, 'Redis gone');
    for (let i = 0; i < 3; i++) {
      const answer = await ask(gateway, 'during the outage');
      expect(answer).toMatchObject({ text: 'Echo: during the outage', fromCache: false });
      expect(answer.response.headers.get('x-ratelimit-limit')).toBe('1000');
    }
    expect(requestsFor(sim, 'during the outage')).toHaveLength(3);
    const down = await health(gateway);
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ status: 'healthy', redis_connected: false });
    expect((await fetch(`${gateway.url}/metrics?format=json`)).status).toBe(200);

    await redis.restart();
    await waitUntil(async () => (await health(gateway)).body.redis_connected === true, 'Redis back', 15_000);
    expect(await ask(gateway, 'after the restart')).toMatchObject({ fromCache: false });
    expect(await ask(gateway, 'after the restart')).toMatchObject({ fromCache: true });
    expect(gateway.child.exitCode).toBeNull();
    // The outage is logged once per feature, not once per failed command.
    const logs = gateway.logs();
    expect(logs).toContain('Redis connection lost');
    expect(logs.split('\n').filter((line) => /redis/i.test(line)).length).toBeLessThan(10);
  });
});
