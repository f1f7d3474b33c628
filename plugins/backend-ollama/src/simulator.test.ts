import {
  type Backend,
  type CallContext,
  type ChatStreamPart,
  isDisabled,
  silentLogger,
} from '@llm-gateway/spec';
import { type Simulator, startOllamaSimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import plugin from './index.js';

let sim: Simulator;
let backend: Backend;

function call(overrides: Partial<CallContext> = {}): CallContext {
  return { signal: new AbortController().signal, requestId: 'r', log: silentLogger, ...overrides };
}

async function drain(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const out: ChatStreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

beforeAll(async () => {
  sim = await startOllamaSimulator({ chunkDelayMs: 5 });
  const created = await plugin.create(plugin.configSchema.parse({ host: sim.url }), {
    instanceName: 'ollama',
    log: silentLogger,
  });
  if (isDisabled(created)) throw new Error(created.reason);
  backend = created;
});
beforeEach(() => sim.reset());
afterAll(() => sim.close());

describe('backend-ollama against the simulator', () => {
  it('sends sampling parameters under options and reads usage from the eval counts', async () => {
    const result = await backend.chat(
      { model: 'llama3.2', messages: [{ role: 'user', content: 'hello ollama' }], maxTokens: 64, seed: 3 },
      call(),
    );
    expect(result.text).toBe('Echo: hello ollama');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(sim.lastRequest()?.path).toBe('/api/chat');
    expect(sim.lastRequest()?.body).toMatchObject({ stream: false, options: { num_predict: 64, seed: 3 } });
  });

  it('streams over the lean undici transport, not the global fetch, with the host headers sent', async () => {
    const globalFetch = vi.spyOn(globalThis, 'fetch');
    try {
      const parts = await drain(
        backend.stream(
          { model: 'llama3.2', messages: [{ role: 'user', content: 'a b c' }] },
          call({ headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } }),
        ),
      );
      expect(parts.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(1);
      expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
      expect(globalFetch).not.toHaveBeenCalled();
      expect(sim.lastRequest()?.headers).toMatchObject({
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'content-type': 'application/json',
      });
    } finally {
      globalFetch.mockRestore();
    }
  });

  it('cancels one streaming call without touching a concurrent one', async () => {
    const request = {
      model: 'llama3.2',
      messages: [{ role: 'user' as const, content: 'a b c d e f g h i j' }],
    };
    const caller = new AbortController();
    const cancelled = backend.stream(request, call({ signal: caller.signal }))[Symbol.asyncIterator]();
    const other = drain(backend.stream(request, call()));
    await cancelled.next();
    caller.abort();
    await expect(drain({ [Symbol.asyncIterator]: () => cancelled })).rejects.toMatchObject({
      type: 'cancelled',
    });
    const parts = await other;
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    await sim.waitFor((s) => s.aborted === 1);
    expect(sim.requests.filter((r) => r.completed)).toHaveLength(1);
  });

  it('maps an unknown model to not_found', async () => {
    sim.inject({ status: 404, body: { error: 'model "nope" not found, try pulling it first' } });
    await expect(
      backend.chat({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }, call()),
    ).rejects.toMatchObject({ type: 'not_found', upstreamStatus: 404 });
  });

  it('maps a connection dropped mid-stream', async () => {
    sim.inject({ dropAfterChunks: 2 });
    await expect(
      drain(
        backend.stream({ model: 'llama3.2', messages: [{ role: 'user', content: 'a b c d e f' }] }, call()),
      ),
    ).rejects.toMatchObject({ type: 'upstream_error', code: 'upstream_unreachable', isRetryable: true });
  });

  it('times out waiting for headers after timeoutMs', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ host: sim.url, timeoutMs: '100' }), {
      instanceName: 'ollama',
      log: silentLogger,
    });
    if (isDisabled(created)) throw new Error(created.reason);
    sim.inject({ hang: true });
    await expect(
      created.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] }, call()),
    ).rejects.toMatchObject({ type: 'upstream_timeout' });
  });

  it('reports an unreachable host', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ host: 'http://127.0.0.1:9' }), {
      instanceName: 'ollama',
      log: silentLogger,
    });
    if (isDisabled(created)) throw new Error(created.reason);
    await expect(
      created.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] }, call()),
    ).rejects.toMatchObject({ type: 'upstream_error', code: 'upstream_unreachable' });
  });
});
