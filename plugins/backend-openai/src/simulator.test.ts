import { type Backend, type CallContext, GatewayError, isDisabled, silentLogger } from '@llm-gateway/spec';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import plugin from './index.js';

let sim: Simulator;
let backend: Backend;

function call(overrides: Partial<CallContext> = {}): CallContext {
  return { signal: new AbortController().signal, requestId: 'r', log: silentLogger, ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: 'sk-test' });
  const created = await plugin.create(
    plugin.configSchema.parse({ apiKey: 'sk-test', baseURL: `${sim.url}/v1` }),
    { instanceName: 'openai', log: silentLogger },
  );
  if (isDisabled(created)) throw new Error(created.reason);
  backend = created;
});
beforeEach(() => sim.reset());
afterAll(() => sim.close());

describe('backend-openai against the simulator', () => {
  it('sends the mapped body with the key, to /v1/chat/completions', async () => {
    const result = await backend.chat(
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hello there' }],
        maxTokens: 50,
        topP: 0.5,
      },
      call(),
    );
    expect(result.text).toBe('Echo: hello there');
    expect(result.usage.totalTokens).toBeGreaterThan(0);
    const request = sim.lastRequest();
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.body).toMatchObject({ max_tokens: 50, top_p: 0.5 });
  });

  it('makes no retries of its own and keeps the Retry-After hint', async () => {
    sim.inject({ status: 429, headers: { 'retry-after': '7' } });
    const error = await failure(
      backend.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, call()),
    );
    expect(error).toMatchObject({ type: 'rate_limited', retryAfterMs: 7000, upstreamStatus: 429 });
    expect(sim.requests).toHaveLength(1);
  });

  it('gives up at the deadline and closes the upstream request', async () => {
    sim.inject({ hang: true });
    const error = await failure(
      backend.chat(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] },
        call({ deadline: Date.now() + 100 }),
      ),
    );
    expect(error.type).toBe('upstream_timeout');
    await sim.waitFor((s) => s.aborted === 1);
  });

  it('maps a connection dropped mid-stream', async () => {
    sim.inject({ dropAfterChunks: 2 });
    const parts = backend.stream(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'a b c d e f' }] },
      call(),
    );
    const error = await failure(
      (async () => {
        for await (const _part of parts);
      })(),
    );
    expect(error).toMatchObject({ type: 'upstream_error', code: 'upstream_unreachable', isRetryable: true });
  });
});
