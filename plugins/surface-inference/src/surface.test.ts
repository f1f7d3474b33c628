import apiKeys, { keyIdFor } from '@llm-gateway/auth-api-key';
import ollama from '@llm-gateway/backend-ollama';
import { createPipeline, createRateLimiter, createTaskHandler } from '@llm-gateway/core';
import { createMemoryQueue } from '@llm-gateway/queue-memory';
import { type AuthScheme, type Backend, isDisabled, silentLogger, type TaskQueue } from '@llm-gateway/spec';
import {
  mountSurface,
  postJson,
  rawHttpExchange,
  type Simulator,
  type SurfaceApp,
  startOllamaSimulator,
  waitUntil,
} from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';

let sim: Simulator;
let app: SurfaceApp;
let queue: TaskQueue;
const A = { 'x-api-key': 'test-key-123' };
const B = { 'x-api-key': 'demo-key-456' };
/** A key of another scheme whose id is A's derived id: the same bare id, another principal. */
const C = { 'x-partner-key': 'partner-key-789' };

beforeAll(async () => {
  sim = await startOllamaSimulator({ chunkDelayMs: 5 });
  const backend = await ollama.create(ollama.configSchema.parse({ host: sim.url }), {
    instanceName: 'ollama',
    log: silentLogger,
  });
  const scheme = await apiKeys.create(
    apiKeys.configSchema.parse({ keys: 'test-key-123,demo-key-456', headers: 'x-api-key' }),
    {
      instanceName: 'keys',
      log: silentLogger,
    },
  );
  const partners = await apiKeys.create(
    apiKeys.configSchema.parse({
      keys: [{ id: keyIdFor('test-key-123'), key: 'partner-key-789' }],
      headers: 'x-partner-key',
    }),
    { instanceName: 'partners', log: silentLogger },
  );
  if (isDisabled(backend) || isDisabled(scheme) || isDisabled(partners)) throw new Error('disabled');
  const pipeline = createPipeline({
    backends: new Map<string, Backend>([['ollama', backend]]),
    routing: { defaultModel: 'llama3.2', models: { 'llama3.2': 'ollama' } },
    log: silentLogger,
    rateLimiter: createRateLimiter({ requestsPerMinute: 60, burst: 10 }),
  } as Parameters<typeof createPipeline>[0]);
  queue = createMemoryQueue({ timeLimitSeconds: 5, retentionSeconds: 60, maxQueued: 100 });
  queue.work(createTaskHandler({ pipeline, log: silentLogger }), 2);
  ({ app } = await mountSurface(
    plugin,
    {},
    {
      pipeline,
      authSchemes: [scheme as AuthScheme, partners as AuthScheme],
      instanceName: 'inference',
      queue,
      allowQueryCredentials: true,
    },
  ));
});
afterAll(async () => {
  await app?.close();
  await queue?.close();
  await sim?.close();
});

async function resultOf(id: string, headers = A) {
  return waitUntil(async () => {
    const body = (await app.inject({ url: `/result/${id}`, headers })).json();
    return body.status === 'completed' || body.status === 'error' ? body : undefined;
  });
}

describe('surface-inference', () => {
  it('POST /generate answers 202 queued; /status and /result follow the task to its text and metrics', async () => {
    const submitted = await postJson(
      app,
      '/generate',
      { prompt: 'Write a joke about AI', max_tokens: 100 },
      A,
    );
    expect(submitted.statusCode).toBe(202);
    const body = submitted.json();
    expect(body).toEqual({
      status: 'queued',
      task_id: expect.any(String),
      message: 'Your request is being processed. Use the task_id to check status.',
    });
    const status = (await app.inject({ url: `/status/${body.task_id}`, headers: A })).json();
    expect(Object.keys(status).sort()).toEqual(['message', 'status', 'task_id']);
    const result = await resultOf(body.task_id);
    expect(result).toMatchObject({
      status: 'completed',
      task_id: body.task_id,
      result: expect.stringContaining('joke about AI'),
    });
    expect(Object.keys(result.metrics).sort()).toEqual([
      'completion_tokens',
      'processing_time',
      'prompt_tokens',
      'queue_wait_time',
      'tokens_per_second',
      'total_time',
    ]);
    expect(sim.lastRequest()?.body).toMatchObject({ model: 'llama3.2' });
  });

  it('a task is visible only to the key that submitted it; unknown ids are 404', async () => {
    const { task_id } = (await postJson(app, '/generate', { prompt: 'mine' }, A)).json();
    for (const path of ['status', 'result', 'stream']) {
      const other = await app.inject({ url: `/${path}/${task_id}`, headers: B });
      expect(other.statusCode).toBe(404);
      expect(other.json()).toEqual({ detail: 'Task not found' });
    }
    expect((await app.inject({ url: '/status/nope', headers: A })).statusCode).toBe(404);
  });

  // Regression: ownership compared the bare principal id, so another scheme's principal with that id read the task.
  it("a principal of another scheme with the submitter's id does not see the task", async () => {
    const { task_id } = (await postJson(app, '/generate', { prompt: 'not yours' }, A)).json();
    for (const path of ['status', 'result', 'stream']) {
      const other = await app.inject({ url: `/${path}/${task_id}`, headers: C });
      expect(other.statusCode).toBe(404);
      expect(other.json()).toEqual({ detail: 'Task not found' });
    }
    expect((await app.inject({ url: `/status/${task_id}`, headers: A })).statusCode).toBe(200);
  });

  it('without a key or with a wrong one: 401 in FastAPI shape', async () => {
    const missing = await postJson(app, '/generate', { prompt: 'x' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ detail: 'Missing API key' });
    const wrong = await app.inject({ url: '/status/x', headers: { 'x-api-key': 'wrong-key-000' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toHaveProperty('detail');
  });

  it('bad parameters answer 422 with pydantic details naming the field', async () => {
    const cases = [
      {},
      { prompt: 'x', temperature: 2.5 },
      { prompt: 'x', top_p: -0.1 },
      { prompt: 'x', max_tokens: 0 },
    ];
    for (const payload of cases) {
      const response = await postJson(app, '/generate', payload, A);
      expect(response.statusCode).toBe(422);
      expect(response.json().detail[0].loc[0]).toBe('body');
    }
  });

  it('GET /stream sends status, text and the final result as SSE, also with ?api_key=', async () => {
    const { task_id } = (await postJson(app, '/generate', { prompt: 'stream me' }, A)).json();
    await resultOf(task_id);
    const response = await app.inject({ url: `/stream/${task_id}?api_key=test-key-123` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = response.body
      .split('\n\n')
      .filter((block) => block.startsWith('data: '))
      .map((block) => JSON.parse(block.slice(6)));
    expect(events.at(-1)).toMatchObject({
      status: 'completed',
      result: expect.stringContaining('stream me'),
    });
    for (const event of events) expect(event).toHaveProperty('message');
  });

  // Regression: the SSE headers forced `connection: keep-alive` over the client's `Connection: close`.
  it('GET /stream closes the connection after the stream when the client sends Connection: close', async () => {
    const { task_id } = (await postJson(app, '/generate', { prompt: 'close after' }, A)).json();
    await resultOf(task_id);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const exchange = await rawHttpExchange(
      port,
      `GET /stream/${task_id} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${A['x-api-key']}\r\nConnection: close\r\n\r\n`,
    );
    expect(exchange.text).toMatch(/^HTTP\/1\.1 200/);
    expect(exchange.text.toLowerCase()).toContain('connection: close');
    expect(exchange.text).toContain('"status":"completed"');
    expect(exchange.closed).toBe(true);
  });

  it('over 10 requests in a burst: 429 with the seed body and Retry-After', async () => {
    let limited: Awaited<ReturnType<typeof postJson>> | undefined;
    for (let i = 0; i < 15 && !limited; i++) {
      const response = await postJson(app, '/generate', { prompt: `burst ${i}` }, B);
      if (response.statusCode === 429) limited = response;
    }
    expect(limited?.json()).toEqual({ error: 'Rate limit exceeded', status_code: 429 });
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
  });
});
