import openaiPlugin from '@llm-gateway/backend-openai';
import { type Backend, GatewayError, isDisabled, silentLogger } from '@llm-gateway/spec';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestContext } from './__fixtures__/scripted-backend.js';
import { createMetrics } from './metrics.js';
import { createPipeline } from './pipeline.js';

let sim: Simulator;
let backend: Backend;

beforeAll(async () => {
  sim = await startOpenAISimulator({
    apiKey: 'sk-sim',
    models: ['gpt-4o-mini', 'deepseek/deepseek-v3.2'],
    chunkDelayMs: 5,
    reply: () => 'one two three four five six seven eight',
  });
  const created = await openaiPlugin.create(
    openaiPlugin.configSchema.parse({ apiKey: 'sk-sim', baseURL: `${sim.url}/v1` }),
    { instanceName: 'openai', log: silentLogger },
  );
  if (isDisabled(created)) throw new Error(created.reason);
  backend = created;
});
beforeEach(() => sim.reset());
afterAll(async () => {
  await backend.close?.();
  await sim.close();
});

function pipeline(timeoutMs = 5_000) {
  const metrics = createMetrics({ defaultMetrics: false });
  return {
    metrics,
    pipeline: createPipeline({
      backends: new Map([['openai', backend]]),
      routing: {
        defaultModel: 'gpt-4o-mini',
        models: { 'deepseek/deepseek-v3.2': 'openai', mini: { backend: 'openai', model: 'gpt-4o-mini' } },
      },
      log: silentLogger,
      metrics,
      timeoutMs,
    }),
  };
}

const messages = [{ role: 'user' as const, content: 'count to eight' }];

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe('pipeline over backend-openai and the OpenAI simulator', () => {
  it('answers a chat with the upstream usage and sends a slash model id unchanged', async () => {
    const { pipeline: p } = pipeline();
    const context = requestContext();
    const { result, meta } = await p.chat({ model: 'deepseek/deepseek-v3.2', messages }, context);
    expect(result.text).toBe('one two three four five six seven eight');
    expect(result.usage.estimated).toBeUndefined();
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(meta).toMatchObject({
      backend: 'openai',
      model: 'deepseek/deepseek-v3.2',
      requestedModel: 'deepseek/deepseek-v3.2',
    });
    expect(sim.lastRequest()?.body).toMatchObject({ model: 'deepseek/deepseek-v3.2' });
  });

  it('streams the parts and ends with usage', async () => {
    const { pipeline: p } = pipeline();
    const context = requestContext();
    const outcome = await p.stream({ model: 'mini', messages }, context);
    let text = '';
    let finish: unknown;
    for await (const part of outcome.parts) {
      if (part.type === 'text-delta') text += part.text;
      else finish = part;
    }
    expect(text).toBe('one two three four five six seven eight');
    expect(finish).toMatchObject({
      type: 'finish',
      finishReason: 'stop',
      usage: { completionTokens: expect.any(Number) },
    });
    expect(context.annotations.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(sim.lastRequest()?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true });
  });

  it('rejects a stream whose upstream fails before the first byte, with the upstream status mapped', async () => {
    sim.inject({ status: 503 });
    const { pipeline: p } = pipeline();
    const error = await rejection(p.stream({ model: 'mini', messages }, requestContext()));
    expect(error).toMatchObject({ type: 'upstream_error', status: 502, upstreamStatus: 503 });
  });

  it('times out a hung upstream and closes its connection', async () => {
    sim.inject({ hang: true });
    const { pipeline: p, metrics } = pipeline(200);
    const error = await rejection(p.chat({ model: 'mini', messages }, requestContext()));
    expect(error.type).toBe('upstream_timeout');
    await sim.waitFor((s) => s.aborted === 1);
    expect(await metrics.registry.metrics()).toContain('outcome="upstream_timeout"');
  });

  it('aborts the upstream stream when the consumer stops early', async () => {
    const { pipeline: p } = pipeline();
    const outcome = await p.stream({ model: 'mini', messages }, requestContext());
    for await (const part of outcome.parts) {
      expect(part.type).toBe('text-delta');
      break;
    }
    await sim.waitFor((s) => s.aborted === 1);
    expect(sim.inFlight).toBe(0);
  });

  it('aborts the upstream when the client goes away mid-stream', async () => {
    const { pipeline: p } = pipeline();
    const client = new AbortController();
    const context = requestContext(client.signal);
    const outcome = await p.stream({ model: 'mini', messages }, context);
    const iterator = outcome.parts[Symbol.asyncIterator]();
    await iterator.next();
    client.abort();
    const error = await rejection(
      (async () => {
        for (;;) if ((await iterator.next()).done) return;
      })(),
    );
    expect(error.type).toBe('cancelled');
    await sim.waitFor((s) => s.aborted === 1);
    expect(context.annotations.errorType).toBe('cancelled');
  });

  it('lists the upstream models plain and prefixed', async () => {
    const ids = (await pipeline().pipeline.models()).map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining(['deepseek/deepseek-v3.2', 'mini', 'gpt-4o-mini', 'openai/gpt-4o-mini']),
    );
  });
});
