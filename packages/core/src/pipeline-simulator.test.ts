import openaiPlugin from '@llm-gateway/backend-openai';
import { type Backend, isDisabled, silentLogger } from '@llm-gateway/spec';
import { gatewayRejection, type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestContext } from './__fixtures__/scripted-backend.js';
import { MemoryCache } from './cache/memory-cache.js';
import { createMetrics } from './metrics.js';
import { createPipeline, type PipelineOptions } from './pipeline.js';

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

function pipeline(timeoutMs = 5_000, extra: Partial<PipelineOptions> = {}) {
  const metrics = createMetrics({ defaultMetrics: false });
  return {
    metrics,
    pipeline: createPipeline({
      ...extra,
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
    const error = await gatewayRejection(p.stream({ model: 'mini', messages }, requestContext()));
    expect(error).toMatchObject({ type: 'upstream_error', status: 502, upstreamStatus: 503 });
  });

  it('times out a hung upstream and closes its connection', async () => {
    sim.inject({ hang: true });
    const { pipeline: p, metrics } = pipeline(200);
    const error = await gatewayRejection(p.chat({ model: 'mini', messages }, requestContext()));
    expect(error.type).toBe('upstream_timeout');
    await sim.waitFor((s) => s.aborted === 1);
    expect(await metrics.registry.metrics()).toContain('outcome="upstream_timeout"');
  });

  it('aborts the upstream stream when the consumer stops early', async () => {
    const { pipeline: p } = pipeline();
    const outcome = await p.stream({ model: 'mini', messages }, requestContext());
    for await (const part of outcome.parts) {
      // The upstream's id and fingerprint come first, then content.
      if (part.type === 'response-metadata') continue;
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
    const error = await gatewayRejection(
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

describe('resilience stages over backend-openai and the OpenAI simulator', () => {
  const retry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2000 };

  it('two 500s then success: three upstream calls, one answer, two retries', async () => {
    sim.inject({ status: 500, times: 2 });
    const { pipeline: p } = pipeline(5_000, { retry });
    const context = requestContext();
    const { result, meta } = await p.chat({ model: 'mini', messages }, context);
    expect(result.text).toBe('one two three four five six seven eight');
    expect(sim.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(meta.retries).toBe(2);
    expect(context.annotations.retries).toBe(2);
  });

  it("waits out a 429's Retry-After before the retry", async () => {
    sim.inject({ status: 429, headers: { 'retry-after-ms': '150' } });
    const { pipeline: p } = pipeline(5_000, { retry });
    await p.chat({ model: 'mini', messages }, requestContext());
    const limited = sim.requests[0]!;
    const answered = sim.requests[1]!;
    expect(limited.status).toBe(429);
    expect(answered.startedAt - (limited.endedAt ?? 0)).toBeGreaterThanOrEqual(140);
  });

  it('reports a stream dropped mid-way to the consumer and does not retry it', async () => {
    sim.inject({ dropAfterChunks: 3 });
    const { pipeline: p } = pipeline(5_000, { retry });
    const outcome = await p.stream({ model: 'mini', messages }, requestContext());
    let text = '';
    const error = await gatewayRejection(
      (async () => {
        for await (const part of outcome.parts) if (part.type === 'text-delta') text += part.text;
      })(),
    );
    expect(error.type).toBe('upstream_error');
    expect(text.length).toBeGreaterThan(0);
    expect(sim.requests).toHaveLength(1);
  });

  it('opens the breaker after the threshold and fails fast without an upstream call', async () => {
    sim.inject({ status: 502, times: 2 });
    const { pipeline: p } = pipeline(5_000, { breaker: { failureThreshold: 2, resetTimeoutMs: 60_000 } });
    for (let i = 0; i < 2; i++) await gatewayRejection(p.chat({ model: 'mini', messages }, requestContext()));
    const error = await gatewayRejection(p.chat({ model: 'mini', messages }, requestContext()));
    expect(error.code).toBe('circuit_open');
    expect(sim.requests).toHaveLength(2);
    await p.close();
  });

  it('answers a repeated request from the cache, stream or not, with one upstream call', async () => {
    const { pipeline: p } = pipeline(5_000, { cache: { store: new MemoryCache(), ttlSeconds: 60 } });
    await p.chat({ model: 'mini', messages }, requestContext());
    const again = await p.chat({ model: 'mini', messages }, requestContext());
    expect(again.meta.cached).toBe(true);
    const streamed = await p.stream({ model: 'mini', messages }, requestContext());
    let text = '';
    for await (const part of streamed.parts) if (part.type === 'text-delta') text += part.text;
    expect(text).toBe('one two three four five six seven eight');
    expect(sim.requests).toHaveLength(1);
  });

  it('passes streamed tool-call deltas through in order and caches no tool call, n>1 or logprobs answer', async () => {
    const { pipeline: p } = pipeline(5_000, { cache: { store: new MemoryCache(), ttlSeconds: 60 } });
    const tools = [
      { type: 'function' as const, function: { name: 'count', parameters: { type: 'object' } } },
    ];
    const request = { model: 'mini', messages, tools };
    const streamed = await p.stream(request, requestContext());
    const parts = [];
    for await (const part of streamed.parts) parts.push(part);
    const deltas = parts.filter((part) => part.type === 'tool-call-delta');
    expect(deltas[0]).toMatchObject({ index: 0, name: 'count', arguments: '' });
    expect(deltas.map((d) => d.arguments).join('')).toBe('{}');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool_calls' });
    await p.stream(request, requestContext()).then(async (again) => {
      expect(again.meta.cached).toBe(false);
      for await (const _ of again.parts);
    });
    for (const variant of [{ tools }, { n: 2 }, { logprobs: true }]) {
      await p.chat({ model: 'mini', messages, ...variant }, requestContext());
      const again = await p.chat({ model: 'mini', messages, ...variant }, requestContext());
      expect(again.meta.cached, JSON.stringify(variant)).toBe(false);
    }
    // A cached plain answer is not served to a request asking for tools: the key tells them apart.
    await p.chat({ model: 'mini', messages }, requestContext());
    expect((await p.chat(request, requestContext())).result.toolCalls).toHaveLength(1);
  });
});

describe("the gateway's own failures are not the upstream's (issue 19)", () => {
  /** An unknown body field nested deeper than JSON.stringify can recurse (built without recursion). */
  function deepExtra(depth: number): Record<string, unknown> {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = [value];
    return { x_unknown: value };
  }

  it('a body that breaks the SDK before sending is a 500, never retried, failed over or held against the breaker', async () => {
    const backup = await openaiPlugin.create(
      openaiPlugin.configSchema.parse({ apiKey: 'sk-sim', baseURL: `${sim.url}/v1` }),
      { instanceName: 'backup', log: silentLogger },
    );
    if (isDisabled(backup)) throw new Error(backup.reason);
    const metrics = createMetrics({ defaultMetrics: false });
    const p = createPipeline({
      backends: new Map([
        ['openai', backend],
        ['backup', backup],
      ]),
      routing: {
        defaultModel: 'chain',
        models: {
          chain: [
            { backend: 'openai', model: 'gpt-4o-mini' },
            { backend: 'backup', model: 'gpt-4o-mini' },
          ],
        },
      },
      log: silentLogger,
      metrics,
      retry: { attempts: 3, baseDelayMs: 1 },
      breaker: { failureThreshold: 5 },
    });
    try {
      for (let i = 0; i < 8; i++) {
        const error = await gatewayRejection(
          p.chat({ model: 'chain', messages, extra: deepExtra(10_000) }, requestContext()),
        );
        expect(error).toMatchObject({ type: 'internal', status: 500, backend: 'openai' });
      }
      expect(sim.requests).toHaveLength(0);
      expect(p.breakers()).toMatchObject({
        openai: { state: 'closed', failure_count: 0 },
        backup: { state: 'closed', failure_count: 0 },
      });
      const text = await metrics.registry.metrics();
      expect(text).not.toMatch(/gateway_upstream_retries_total\{[^}]*\} [1-9]/);
      expect(text).not.toMatch(/gateway_fallbacks_total\{[^}]*\} [1-9]/);
      // Another tenant's ordinary request is served by the first target.
      const { meta } = await p.chat({ model: 'chain', messages }, requestContext());
      expect(meta).toMatchObject({ backend: 'openai', fallback: false, retries: 0 });
    } finally {
      await backup.close?.();
    }
  });
});
