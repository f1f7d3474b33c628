import { createTaskHandler } from '@llm-gateway/core';
import { createMemoryQueue } from '@llm-gateway/queue-memory';
import { silentLogger, type TaskQueue } from '@llm-gateway/spec';
import { waitUntil } from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './__fixtures__/gateway.js';
import { prefersAsync } from './async-tasks.js';

let gateway: TestGateway;
let queue: TaskQueue;
const auth = { authorization: 'Bearer sk-gw-async-1' };
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'later please' }] };

beforeAll(async () => {
  queue = createMemoryQueue({ timeLimitSeconds: 10, retentionSeconds: 60, maxQueued: 10 });
  gateway = await startGateway({
    keys: ['sk-gw-async-1', 'sk-gw-async-2'],
    queue,
    simulator: { latencyMs: 100 },
  });
  queue.work(createTaskHandler({ pipeline: gateway.pipeline, log: silentLogger }), 1);
});
afterAll(async () => {
  await queue?.close();
  await gateway?.close();
});

describe('Prefer: respond-async (RFC 7240)', () => {
  it('reads the preference among others, case-insensitively', () => {
    expect(prefersAsync('return=minimal, Respond-Async; wait=10')).toBe(true);
    expect(prefersAsync('return=minimal')).toBe(false);
    expect(prefersAsync(undefined)).toBe(false);
  });

  it('answers 202 with Location; GET /v1/tasks/{id} is 202 while it runs, then the chat completion', async () => {
    const submitted = await gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...auth, prefer: 'respond-async' },
      payload: chat,
    });
    expect(submitted.statusCode).toBe(202);
    expect(submitted.headers['preference-applied']).toBe('respond-async');
    const task = submitted.json();
    expect(task).toMatchObject({ object: 'task', status: 'queued' });
    expect(submitted.headers.location).toBe(`/v1/tasks/${task.id}`);
    const pending = await gateway.app.inject({ url: `/v1/tasks/${task.id}`, headers: auth });
    expect(pending.statusCode).toBe(202);
    let done: Record<string, unknown> = {};
    await waitUntil(async () => {
      const response = await gateway.app.inject({ url: `/v1/tasks/${task.id}`, headers: auth });
      done = response.json();
      return response.statusCode === 200;
    });
    expect(done).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [{ message: { role: 'assistant', content: 'Echo: later please' } }],
    });
  });

  it('another key gets 404 in the OpenAI error shape', async () => {
    const submitted = await gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...auth, prefer: 'respond-async' },
      payload: chat,
    });
    const other = await gateway.app.inject({
      url: `/v1/tasks/${submitted.json().id}`,
      headers: { authorization: 'Bearer sk-gw-async-2' },
    });
    expect(other.statusCode).toBe(404);
    expect(other.json().error).toMatchObject({ code: 'task_not_found' });
  });

  it('a request with tools is answered at once, so its tool calls are not lost in a text-only task', async () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...auth, prefer: 'respond-async' },
      payload: { ...chat, tools },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['preference-applied']).toBeUndefined();
    expect(response.json().choices[0]).toMatchObject({ finish_reason: 'tool_calls' });
  });

  it('without the preference (official SDK) the answer stays synchronous', async () => {
    const url = await gateway.listen();
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-gw-async-1', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'now' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: now');
  });
});
