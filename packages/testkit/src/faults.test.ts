import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaSimulator } from './ollama-simulator.js';
import { startOpenAISimulator } from './openai-simulator.js';
import type { Simulator } from './simulator.js';

let sim: Simulator;
let client: OpenAI;
const request = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content: 'one two three four' }],
};

beforeAll(async () => {
  sim = await startOpenAISimulator();
  client = new OpenAI({ apiKey: 'test', baseURL: `${sim.url}/v1`, maxRetries: 0 });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

describe('fault injection', () => {
  it('answers an injected status once with the upstream error body, then recovers', async () => {
    sim.inject({ status: 500 });
    const error = await client.chat.completions.create(request).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.type).toBe('server_error');
    expect(sim.requests[0]?.status).toBe(500);
    expect(sim.requests[0]?.fault).toEqual({ status: 500 });
    const ok = await client.chat.completions.create(request);
    expect(ok.choices[0]?.message.content).toBe('Echo: one two three four');
  });

  it('sends the given body and headers (429 with Retry-After)', async () => {
    sim.inject({
      status: 429,
      headers: { 'retry-after': '2' },
      body: { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
    });
    const error = await client.chat.completions.create(request).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers.get('retry-after')).toBe('2');
    expect(error.message).toContain('slow down');
  });

  it('applies a fault `times` times and only to matching paths', async () => {
    sim.inject({ status: 503, times: 2, path: '/chat/completions' });
    expect(sim.pendingFaults).toBe(2);
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
    await expect(client.chat.completions.create(request)).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(client.chat.completions.create(request)).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect(sim.pendingFaults).toBe(0);
    await expect(client.chat.completions.create(request)).resolves.toBeDefined();
  });

  it('hangs until the client aborts, and counts the abort', async () => {
    sim.inject({ hang: true });
    const controller = new AbortController();
    const call = client.chat.completions.create(request, { signal: controller.signal });
    await sim.waitFor((s) => s.inFlight === 1);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await sim.waitFor((s) => s.aborted === 1);
    expect(sim.requests[0]).toMatchObject({ aborted: true, completed: false, dropped: false });
    expect(sim.inFlight).toBe(0);
  });

  it('counts a client that abandons a stream midway as aborted', async () => {
    const slow = await startOpenAISimulator({ chunkDelayMs: 50 });
    try {
      const slowClient = new OpenAI({ apiKey: 'x', baseURL: `${slow.url}/v1`, maxRetries: 0 });
      const controller = new AbortController();
      const stream = await slowClient.chat.completions.create(
        { ...request, stream: true },
        { signal: controller.signal },
      );
      const seen: string[] = [];
      // The SDK ends the iteration quietly when its own signal aborts.
      for await (const chunk of stream) {
        seen.push(chunk.choices[0]?.delta.content ?? '');
        if (seen.length === 2) controller.abort();
      }
      expect(seen.length).toBeLessThan(7);
      await slow.waitFor((s) => s.aborted === 1);
      expect(slow.requests[0]?.completed).toBe(false);
    } finally {
      await slow.close();
    }
  });

  it('drops a stream after n chunks: the SDK iterator throws', async () => {
    sim.inject({ dropAfterChunks: 2 });
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toThrow();
    expect(seen).toEqual(['', 'Echo: ']);
    expect(sim.requests[0]).toMatchObject({ dropped: true, aborted: false, completed: false, chunks: 2 });
  });

  it('drops a JSON answer midway', async () => {
    sim.inject({ dropAfterChunks: 0 });
    await expect(client.chat.completions.create(request)).rejects.toThrow();
  });

  it('delays one response by latencyMs', async () => {
    sim.inject({ latencyMs: 300 });
    const started = Date.now();
    await client.chat.completions.create(request);
    const slowEnded = Date.now();
    expect(slowEnded - started).toBeGreaterThanOrEqual(290);
    expect(sim.requests[0]?.completed).toBe(true);
  });

  it('closes while requests hang', async () => {
    const hanging = await startOpenAISimulator();
    const hangingClient = new OpenAI({ apiKey: 'x', baseURL: `${hanging.url}/v1`, maxRetries: 0 });
    hanging.inject({ hang: true, times: 2 });
    const calls = [hangingClient.chat.completions.create(request), hangingClient.models.list()].map((p) =>
      p.then(
        () => 'resolved',
        () => 'rejected',
      ),
    );
    await hanging.waitFor((s) => s.inFlight === 2);
    await hanging.close();
    expect(await Promise.all(calls)).toEqual(['rejected', 'rejected']);
    expect(hanging.requests.every((r) => r.dropped && !r.aborted)).toBe(true);
  });
});

describe('fault injection on the Ollama simulator', () => {
  let ollama: Simulator;
  beforeAll(async () => {
    ollama = await startOllamaSimulator();
  });
  afterAll(() => ollama.close());

  it('sends Ollama-style error bodies and drops NDJSON streams', async () => {
    ollama.inject({ status: 500 });
    const failed = await fetch(`${ollama.url}/api/chat`, { method: 'POST', body: JSON.stringify(request) });
    expect(failed.status).toBe(500);
    expect(typeof ((await failed.json()) as { error: unknown }).error).toBe('string');

    ollama.inject({ dropAfterChunks: 1 });
    const response = await fetch(`${ollama.url}/api/chat`, { method: 'POST', body: JSON.stringify(request) });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(ollama.lastRequest()).toMatchObject({ dropped: true, chunks: 1 });
  });
});
