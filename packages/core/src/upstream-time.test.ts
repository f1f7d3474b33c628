import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CallContext,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  upstreamHttpError,
} from '@llm-gateway/spec';
import { collect } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { requestContext, ScriptedBackend } from './__fixtures__/scripted-backend.js';
import { pipelineOver } from './__fixtures__/scripted-pipeline.js';
import { MemoryCache } from './cache/memory-cache.js';

const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'Say hello' }] };
const fastRetry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

/** A scripted upstream that takes `delayMs` before answering each call and measures how long it took. */
class SlowBackend extends ScriptedBackend {
  readonly spentMs: number[] = [];

  constructor(
    name: string,
    private readonly delayMs: number,
    failFirst?: number,
  ) {
    super({
      name,
      partDelayMs: 40,
      ...(failFirst ? { failFirst: { times: failFirst, error: upstreamHttpError(name, 503, 'down') } } : {}),
    });
  }

  override async chat(request: ChatRequest, call: CallContext): Promise<ChatResult> {
    const started = performance.now();
    await sleep(this.delayMs);
    try {
      return await super.chat(request, call);
    } finally {
      this.spentMs.push(performance.now() - started);
    }
  }

  override async *stream(request: ChatRequest, call: CallContext): AsyncIterable<ChatStreamPart> {
    const started = performance.now();
    await sleep(this.delayMs);
    this.spentMs.push(performance.now() - started);
    yield* super.stream(request, call);
  }
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

describe('annotations.upstreamMs', () => {
  it('sums every attempt of a chat, retried ones included', async () => {
    const a = new SlowBackend('a', 15, 2);
    const { pipeline } = pipelineOver([a], { models: { m: 'a' } }, { retry: fastRetry });
    const context = requestContext();
    await pipeline.chat(request, context);
    expect(a.spentMs).toHaveLength(3);
    expect(context.annotations.upstreamMs).toBeGreaterThanOrEqual(sum(a.spentMs));
  });

  it('sums a failed target and its fallback', async () => {
    const a = new SlowBackend('a', 10, 1);
    const b = new SlowBackend('b', 10);
    const { pipeline } = pipelineOver([a, b], {
      models: {
        m: [
          { backend: 'a', model: 'primary' },
          { backend: 'b', model: 'secondary' },
        ],
      },
    });
    const context = requestContext();
    await pipeline.chat(request, context);
    expect(context.annotations.upstreamMs).toBeGreaterThanOrEqual(sum(a.spentMs) + sum(b.spentMs));
  });

  it('counts a stream up to its first part only, so it is known when the response head goes out', async () => {
    const a = new SlowBackend('a', 15, 1);
    const { pipeline } = pipelineOver([a], { models: { m: 'a' } }, { retry: fastRetry });
    const context = requestContext();
    const opened = performance.now();
    const outcome = await pipeline.stream(request, context);
    const openedMs = performance.now() - opened;
    const atHead = context.annotations.upstreamMs;
    expect(atHead).toBeGreaterThanOrEqual(sum(a.spentMs));
    expect(atHead).toBeLessThanOrEqual(openedMs);
    await collect(outcome.parts);
    expect(context.annotations.upstreamMs).toBe(atHead);
  });

  it('stays absent when the answer comes from the cache', async () => {
    const a = new SlowBackend('a', 1);
    const cache = { store: new MemoryCache({ maxEntries: 10 }) };
    const { pipeline } = pipelineOver([a], { models: { m: 'a' } }, { cache });
    await pipeline.chat(request, requestContext());
    const context = requestContext();
    await pipeline.chat(request, context);
    expect(context.annotations.cacheHit).toBe(true);
    expect(context.annotations.upstreamMs).toBeUndefined();
  });
});
