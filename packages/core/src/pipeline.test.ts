import { type ChatRequest, upstreamHttpError } from '@llm-gateway/spec';
import { collect, gatewayRejection } from '@llm-gateway/testkit';
import { describe, expect, it, vi } from 'vitest';
import { requestContext, ScriptedBackend } from './__fixtures__/scripted-backend.js';
import { pipelineOver } from './__fixtures__/scripted-pipeline.js';
import type { PipelineOptions } from './pipeline.js';
import type { RoutingConfig } from './router.js';
import { countTokens } from './usage.js';

const request: ChatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] };
const reported = { promptTokens: 11, completionTokens: 2, totalTokens: 13 };

function pipelineWith(
  backends: ScriptedBackend[],
  routing: RoutingConfig = { models: { 'gpt-4o-mini': 'openai' } },
  extra: Partial<PipelineOptions> = {},
) {
  return pipelineOver(backends, routing, extra);
}

describe('pipeline.chat', () => {
  it('routes, calls the backend with the upstream model id, and annotates the request', async () => {
    const backend = new ScriptedBackend({ name: 'groq', usage: reported });
    const { pipeline, metrics } = pipelineWith([backend], {
      models: { fast: { backend: 'groq', model: 'llama-3.1-8b-instant' } },
    });
    const context = requestContext();
    const outcome = await pipeline.chat({ ...request, model: 'fast' }, context);

    expect(backend.calls[0]!.request.model).toBe('llama-3.1-8b-instant');
    expect(backend.calls[0]!.call.requestId).toBe('req-test');
    expect(backend.calls[0]!.call.deadline).toBeGreaterThan(Date.now());
    expect(outcome.result.text).toBe('Hello world');
    expect(outcome.result.usage).toEqual(reported);
    expect(outcome.meta).toEqual({
      requestedModel: 'fast',
      backend: 'groq',
      model: 'llama-3.1-8b-instant',
      cached: false,
      retries: 0,
      fallback: false,
    });
    expect(context.annotations).toMatchObject({
      requestedModel: 'fast',
      backend: 'groq',
      model: 'llama-3.1-8b-instant',
      usage: reported,
      cacheHit: false,
      retries: 0,
      fallback: false,
    });
    expect(context.annotations.llmLatencyMs).toBeGreaterThanOrEqual(0);
    expect(context.annotations.errorType).toBeUndefined();

    const text = await metrics.registry.metrics();
    expect(text).toContain('gateway_upstream_requests_total{backend="groq",outcome="success"} 1');
    expect(text).toContain('gateway_tokens_total{backend="groq",kind="prompt"} 11');
    expect(text).toContain('gateway_tokens_total{backend="groq",kind="completion"} 2');
    expect(text).toContain('gateway_upstream_duration_seconds_count{backend="groq"} 1');
  });

  it('estimates usage with the tokenizer when the upstream reports none, and says so', async () => {
    const backend = new ScriptedBackend({ name: 'openai', words: ['hello', ' world'] });
    const { pipeline } = pipelineWith([backend]);
    const context = requestContext();
    const { result } = await pipeline.chat(request, context);
    // o200k_base: "hello" + " world".
    expect(result.usage.completionTokens).toBe(2);
    expect(result.usage.promptTokens).toBeGreaterThan(await countTokens('Say hello'));
    expect(result.usage.totalTokens).toBe(result.usage.promptTokens + 2);
    expect(result.usage.estimated).toBe(true);
    expect(context.annotations.usage).toEqual(result.usage);
  });

  it('turns a slow upstream into upstream_timeout and aborts its call', async () => {
    const backend = new ScriptedBackend({ name: 'openai', hang: true });
    const { pipeline, metrics } = pipelineWith([backend], undefined, { timeoutMs: 50 });
    const context = requestContext();
    const error = await gatewayRejection(pipeline.chat(request, context));
    expect(error.type).toBe('upstream_timeout');
    expect(error.status).toBe(504);
    expect(backend.calls[0]!.call.signal.aborted).toBe(true);
    expect(context.annotations.errorType).toBe('upstream_timeout');
    expect(await metrics.registry.metrics()).toContain(
      'gateway_upstream_requests_total{backend="openai",outcome="upstream_timeout"} 1',
    );
  });

  it('times out a backend that ignores its signal', async () => {
    const backend = new ScriptedBackend({ name: 'openai', hang: true, ignoreSignal: true });
    const { pipeline } = pipelineWith([backend], undefined, { timeoutMs: 30 });
    expect((await gatewayRejection(pipeline.chat(request, requestContext()))).type).toBe('upstream_timeout');
  });

  it('reports a client that went away as cancelled and aborts the upstream', async () => {
    const backend = new ScriptedBackend({ name: 'openai', hang: true });
    const { pipeline } = pipelineWith([backend]);
    const client = new AbortController();
    const pending = pipeline.chat(request, requestContext(client.signal));
    await new Promise((resolve) => setImmediate(resolve));
    client.abort();
    const error = await gatewayRejection(pending);
    expect(error.type).toBe('cancelled');
    expect(backend.calls[0]!.call.signal.aborted).toBe(true);
  });

  it('passes a backend GatewayError through and records its type', async () => {
    const backend = new ScriptedBackend({
      name: 'openai',
      failWith: upstreamHttpError('openai', 503, 'overloaded'),
    });
    const { pipeline } = pipelineWith([backend]);
    const context = requestContext();
    const error = await gatewayRejection(pipeline.chat(request, context));
    expect(error.type).toBe('upstream_error');
    expect(error.upstreamStatus).toBe(503);
    expect(context.annotations).toMatchObject({ errorType: 'upstream_error', backend: 'openai' });
  });

  it('hides a non-gateway error behind an internal error', async () => {
    const backend = new ScriptedBackend({ name: 'openai', failWith: new Error('secret detail') });
    const { pipeline } = pipelineWith([backend]);
    const error = await gatewayRejection(pipeline.chat(request, requestContext()));
    expect(error.type).toBe('internal');
    expect(error.message).not.toContain('secret');
  });

  it('annotates routing failures', async () => {
    const { pipeline } = pipelineWith([new ScriptedBackend({ name: 'openai' })]);
    const context = requestContext();
    const error = await gatewayRejection(pipeline.chat({ ...request, model: 'unknown-model' }, context));
    expect(error.code).toBe('model_not_found');
    expect(context.annotations).toMatchObject({ requestedModel: 'unknown-model', errorType: 'not_found' });
  });

  it('uses the first enabled target of a chain', async () => {
    const groq = new ScriptedBackend({ name: 'groq', usage: reported });
    const { pipeline } = pipelineWith([groq], {
      models: {
        chat: [
          { backend: 'ollama', model: 'llama3' },
          { backend: 'groq', model: 'llama-3.1-8b-instant' },
        ],
      },
    });
    const outcome = await pipeline.chat({ ...request, model: 'chat' }, requestContext());
    expect(outcome.meta.backend).toBe('groq');
    expect(groq.calls[0]!.request.model).toBe('llama-3.1-8b-instant');
  });
});

describe('pipeline.stream', () => {
  it('resolves only once the first part has arrived', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const backend = new ScriptedBackend({ name: 'openai', firstPartGate: gate, usage: reported });
    const { pipeline } = pipelineWith([backend]);
    let settled = false;
    const pending = pipeline.stream(request, requestContext()).then((outcome) => {
      settled = true;
      return outcome;
    });
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(backend.calls).toHaveLength(1);
    expect(settled).toBe(false);
    open();
    const outcome = await pending;
    expect(outcome.meta.backend).toBe('openai');
    expect(await collect(outcome.parts)).toEqual([
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: ' world' },
      { type: 'finish', finishReason: 'stop', usage: reported },
    ]);
  });

  it('rejects when the upstream fails before its first part', async () => {
    const backend = new ScriptedBackend({
      name: 'openai',
      failWith: upstreamHttpError('openai', 429, 'slow down'),
    });
    const { pipeline } = pipelineWith([backend]);
    const context = requestContext();
    const error = await gatewayRejection(pipeline.stream(request, context));
    expect(error.status).toBe(429);
    expect(context.annotations.errorType).toBe('rate_limited');
  });

  it('fills usage on the finish part, estimated when the upstream gave none, and annotates timings', async () => {
    const backend = new ScriptedBackend({ name: 'openai', words: ['hello', ' world'] });
    const { pipeline, metrics } = pipelineWith([backend]);
    const context = requestContext();
    const outcome = await pipeline.stream(request, context);
    const parts = await collect(outcome.parts);
    const finish = parts.at(-1);
    expect(finish).toMatchObject({
      type: 'finish',
      finishReason: 'stop',
      usage: { completionTokens: 2, estimated: true },
    });
    expect(context.annotations.usage).toMatchObject({ completionTokens: 2, estimated: true });
    expect(context.annotations.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(context.annotations.llmLatencyMs).toBeGreaterThanOrEqual(context.annotations.timeToFirstTokenMs!);
    expect(await metrics.registry.metrics()).toContain(
      'gateway_upstream_requests_total{backend="openai",outcome="success"} 1',
    );
  });

  it('aborts the upstream when the consumer stops reading early', async () => {
    const backend = new ScriptedBackend({ name: 'openai', words: ['a', 'b', 'c', 'd'] });
    const { pipeline, metrics } = pipelineWith([backend]);
    const outcome = await pipeline.stream(request, requestContext());
    for await (const part of outcome.parts) {
      expect(part).toEqual({ type: 'text-delta', text: 'a' });
      break;
    }
    expect(backend.calls[0]!.call.signal.aborted).toBe(true);
    expect(backend.streamClosed).toBe(true);
    expect(await metrics.registry.metrics()).toContain(
      'gateway_upstream_requests_total{backend="openai",outcome="cancelled"} 1',
    );
  });

  it('throws a GatewayError from the iterator when the upstream fails mid-stream', async () => {
    const backend = new ScriptedBackend({
      name: 'openai',
      failMidStream: { afterParts: 1, error: upstreamHttpError('openai', 500, 'boom') },
    });
    const { pipeline } = pipelineWith([backend]);
    const context = requestContext();
    const outcome = await pipeline.stream(request, context);
    const seen: string[] = [];
    const error = await gatewayRejection(
      (async () => {
        for await (const part of outcome.parts) if (part.type === 'text-delta') seen.push(part.text);
      })(),
    );
    expect(seen).toEqual(['Hello']);
    expect(error.type).toBe('upstream_error');
    expect(context.annotations.errorType).toBe('upstream_error');
  });

  it('times out a stream that stalls between parts', async () => {
    const backend = new ScriptedBackend({ name: 'openai', hangAfterParts: 1 });
    const { pipeline } = pipelineWith([backend], undefined, { timeoutMs: 50 });
    const outcome = await pipeline.stream(request, requestContext());
    const error = await gatewayRejection(collect(outcome.parts));
    expect(error.type).toBe('upstream_timeout');
    expect(backend.calls[0]!.call.signal.aborted).toBe(true);
  });

  it('lets a stream run past its timeout while parts keep coming within it', async () => {
    const words = Array.from({ length: 8 }, (_, i) => `w${i} `);
    const backend = new ScriptedBackend({ name: 'openai', words, partDelayMs: 25 });
    const { pipeline } = pipelineWith([backend], undefined, { timeoutMs: 60 });
    const outcome = await pipeline.stream(request, requestContext());
    const parts = await collect(outcome.parts);
    expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(8);
  });

  it('relays parts without a timer or an abort listener per part (only the socket is awaited)', async () => {
    const words = Array.from({ length: 300 }, (_, i) => `w${i} `);
    const { pipeline } = pipelineWith([new ScriptedBackend({ name: 'openai', words })]);
    const outcome = await pipeline.stream(request, requestContext());
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const listeners = vi.spyOn(EventTarget.prototype, 'addEventListener');
    try {
      const parts = await collect(outcome.parts);
      expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(300);
      expect(timers.mock.calls.length).toBeLessThan(5);
      expect(listeners.mock.calls.length).toBeLessThan(5);
    } finally {
      timers.mockRestore();
      listeners.mockRestore();
    }
  });

  it('times out a stream whose first part never comes', async () => {
    const backend = new ScriptedBackend({ name: 'openai', hang: true });
    const { pipeline } = pipelineWith([backend], undefined, { timeoutMs: 50 });
    expect((await gatewayRejection(pipeline.stream(request, requestContext()))).type).toBe(
      'upstream_timeout',
    );
  });

  it('aborts the upstream when the client disconnects mid-stream', async () => {
    const backend = new ScriptedBackend({ name: 'openai', hangAfterParts: 1 });
    const { pipeline } = pipelineWith([backend]);
    const client = new AbortController();
    const outcome = await pipeline.stream(request, requestContext(client.signal));
    const iterator = outcome.parts[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: 'text-delta', text: 'Hello' });
    const next = iterator.next();
    client.abort();
    expect((await gatewayRejection(next)).type).toBe('cancelled');
    expect(backend.calls[0]!.call.signal.aborted).toBe(true);
  });
});

describe('pipeline.models and close', () => {
  it('lists routing keys and every enabled backend model, plain and prefixed, without duplicates', async () => {
    const openai = new ScriptedBackend({ name: 'openai', models: ['gpt-4o-mini', 'gpt-4o'] });
    const groq = new ScriptedBackend({ name: 'groq', models: ['llama-3.1-8b-instant', 'gpt-4o'] });
    const { pipeline } = pipelineWith([openai, groq], {
      defaultModel: 'gpt-4o-mini',
      models: {
        'gpt-4o-mini': 'openai',
        fast: { backend: 'groq', model: 'llama-3.1-8b-instant' },
        local: 'ollama',
      },
    });
    const models = await pipeline.models();
    const ids = models.map((m) => m.id);
    expect(ids).toEqual([
      'gpt-4o-mini',
      'fast',
      'openai/gpt-4o-mini',
      'gpt-4o',
      'openai/gpt-4o',
      'llama-3.1-8b-instant',
      'groq/llama-3.1-8b-instant',
      'groq/gpt-4o',
    ]);
    expect(models.find((m) => m.id === 'fast')!.backend).toBe('groq');
    expect(models.find((m) => m.id === 'gpt-4o')!.backend).toBe('openai');
    expect(pipeline.defaultModel).toBe('gpt-4o-mini');
  });

  it('closes its backends', async () => {
    const openai = new ScriptedBackend({ name: 'openai' });
    const { pipeline } = pipelineWith([openai]);
    await pipeline.close();
    expect(openai.closed).toBe(true);
  });
});
