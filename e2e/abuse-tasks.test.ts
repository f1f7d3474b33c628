/**
 * Attacks on the async-task routes of the built gateway on configs/all-surfaces.yaml, with a real Redis
 * (BullMQ) and the Ollama and OpenAI simulators upstream: a JWT whose subject is an API key's id, task ids
 * that are BullMQ's own key names, task routes while Redis is down, and many large tasks against Redis's
 * memory. Also: the inference surface's model as the seed names it (OLLAMA_MODEL=llama2) runs tasks.
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import {
  type RedisInstance,
  type Simulator,
  startOllamaSimulator,
  startOpenAISimulator,
  startRedis,
} from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { detailOf, dgenPingToken, expectOpenAIError, postJson, waitUntil } from './helpers/http.js';

const run = promisify(execFile);
const TOKEN_SECRET = 'e2e-abuse-tasks-token-secret-0123456789';
const API_KEY = 'e2e-abuse-tasks-openai-key-5d1c8e';
const INFERENCE_KEY = 'e2e-abuse-tasks-inference-key-93ab';
/** BullMQ keeps these keys beside a queue's jobs; as task ids they reached `getJob` and answered 500. */
const bullmqKeyNames = ['meta', 'id', 'events', 'completed', 'stalled-check'];

let redis: RedisInstance;
let ollama: Simulator;
let openaiSim: Simulator;
let gateway: Gateway;

beforeAll(async () => {
  [redis, ollama, openaiSim] = await Promise.all([
    startRedis(),
    startOllamaSimulator({ models: ['llama2'] }),
    startOpenAISimulator(),
  ]);
  gateway = await startGateway({
    profile: 'configs/all-surfaces.yaml',
    env: {
      TOKEN_SECRET,
      GATEWAY_API_KEYS: API_KEY,
      API_KEYS: INFERENCE_KEY,
      OPENAI_API_KEY: 'sk-e2e-abuse-upstream-0123456789',
      OPENAI_BASE_URL: `${openaiSim.url}/v1`,
      OLLAMA_HOST: ollama.url,
      // The seed's own .env value.
      OLLAMA_MODEL: 'llama2',
      REDIS_URL: redis.url,
      RATE_LIMIT: '100000',
      // The inference surface has its own limit (60/min, bursts of 10): lifted for the 60-task load below.
      INFERENCE_RATE_LIMIT: '100000',
      LOG_LEVEL: 'warn',
    },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([redis?.stop(), ollama?.close(), openaiSim?.close()]);
});

const inference = { 'X-API-Key': INFERENCE_KEY };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const get = (path: string, headers: Record<string, string>) => fetch(`${gateway.url}${path}`, { headers });

async function submitInference(prompt: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await postJson(`${gateway.url}/generate`, { prompt, ...extra }, inference);
  expect(response.status, await response.clone().text()).toBe(202);
  return ((await response.json()) as { task_id: string }).task_id;
}

async function resultOf(id: string): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  await waitUntil(
    async () => {
      body = (await (await get(`/result/${id}`, inference)).json()) as Record<string, unknown>;
      return body['status'] === 'completed' || body['status'] === 'error';
    },
    `task ${id} to finish`,
    30_000,
  );
  return body;
}

/** Redis's own figure for the memory its data takes. */
async function redisUsedBytes(): Promise<number> {
  const { stdout } = await run('redis-cli', ['-u', redis.url, 'INFO', 'memory']);
  return Number(/used_memory:(\d+)/.exec(stdout)?.[1]);
}

describe('async tasks on configs/all-surfaces.yaml with Redis', () => {
  // Regression: the ollama backend listed only llama3.2, so every task on the seed's llama2 failed NotFoundError.
  it("the inference surface's OLLAMA_MODEL (the seed's llama2) runs a task to completion via Ollama", async () => {
    const id = await submitInference('Write a haiku about queues');
    expect(await resultOf(id)).toMatchObject({
      status: 'completed',
      result: 'Echo: Write a haiku about queues',
    });
    expect(ollama.lastRequest()?.body).toMatchObject({ model: 'llama2' });
  }, 40_000);

  // Regression: task ownership compared the bare id, so a JWT with soeid `key-<8 hex>` read that key's tasks.
  it("a JWT whose soeid is an API key's id cannot read the key's task", async () => {
    const submitted = await postJson(
      `${gateway.url}/v1/chat/completions`,
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a private task' }] },
      { ...bearer(API_KEY), prefer: 'respond-async' },
    );
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    const keyId = `key-${createHash('sha256').update(API_KEY).digest('hex').slice(0, 8)}`;
    const token = await dgenPingToken(gateway.url, TOKEN_SECRET, keyId);
    const probe = await get(`/v1/tasks/${id}`, bearer(token));
    expect((await expectOpenAIError(probe, 404)).error.code).toBe('task_not_found');
    expect([200, 202]).toContain((await get(`/v1/tasks/${id}`, bearer(API_KEY))).status);
  });

  // Regression: these ids reached BullMQ's getJob and answered 500.
  it("task ids that are BullMQ's own key names are 404s in each surface's shape", async () => {
    await submitInference('so the queue has its keys');
    // 'x' * 150: past the router's default parameter length, which answered a 414 in Fastify's own shape.
    for (const id of [...bullmqKeyNames, 'wait', 'nope', 'x'.repeat(150)]) {
      for (const route of ['status', 'result', 'stream']) {
        expect(await detailOf(await get(`/${route}/${id}`, inference), 404), `${route}/${id}`).toBe(
          'Task not found',
        );
      }
      const openai = await get(`/v1/tasks/${id}`, bearer(API_KEY));
      expect((await expectOpenAIError(openai, 404)).error.code, id).toBe('task_not_found');
    }
    expect(gateway.child.exitCode).toBeNull();
  });

  // Regression: a finished task kept its whole input in Redis (500 tasks of 500 KB: Redis from 5 to 256 MiB).
  it('many 500 KB tasks, once finished, leave Redis holding their results only', async () => {
    const before = await redisUsedBytes();
    const prompt = 'lorem ipsum dolor sit amet '.repeat(20_000).slice(0, 500_000);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await submitInference(`${i} ${prompt}`, { max_tokens: 8 }));
    for (const id of ids) expect((await resultOf(id))['status']).toBe('completed');
    // 60 inputs of 500 KB are 30 MB; what stays is 60 results of 8 tokens and their status fields.
    await waitUntil(
      async () => (await redisUsedBytes()) - before < 4 * 1024 * 1024,
      'inputs dropped',
      10_000,
    );
  }, 120_000);

  // Regression: GET /status/{id} with Redis down answered 500 (POST /generate already answered 503).
  it('with Redis down every task route answers 503 with Retry-After in its own shape; the gateway lives', async () => {
    const id = randomUUID();
    await redis.shutdown();
    try {
      for (const route of ['status', 'result', 'stream']) {
        const response = await get(`/${route}/${id}`, inference);
        expect(response.headers.get('retry-after'), route).toMatch(/^\d+$/);
        await detailOf(response, 503);
      }
      const generate = await postJson(`${gateway.url}/generate`, { prompt: 'while down' }, inference);
      expect(generate.headers.get('retry-after')).toMatch(/^\d+$/);
      await detailOf(generate, 503);
      const task = await get(`/v1/tasks/${id}`, bearer(API_KEY));
      expect(task.headers.get('retry-after')).toMatch(/^\d+$/);
      await expectOpenAIError(task, 503);
      const submit = await postJson(
        `${gateway.url}/v1/chat/completions`,
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'while down' }] },
        { ...bearer(API_KEY), prefer: 'respond-async' },
      );
      expect(submit.headers.get('retry-after')).toMatch(/^\d+$/);
      await expectOpenAIError(submit, 503);
      expect(gateway.child.exitCode).toBeNull();
    } finally {
      await redis.restart();
    }
  }, 60_000);
});
