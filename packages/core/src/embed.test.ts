import {
  type CallContext,
  type EmbeddingsRequest,
  type EmbeddingsResult,
  upstreamHttpError,
} from '@llm-gateway/spec';
import { gatewayRejection } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { requestContext, ScriptedBackend, untilAborted } from './__fixtures__/scripted-backend.js';
import { pipelineOver } from './__fixtures__/scripted-pipeline.js';
import { createRateLimiter } from './limits/rate-limiter.js';

const request: EmbeddingsRequest = { model: 'e', input: ['one two', 'three'] };
const usage = { promptTokens: 3, completionTokens: 0, totalTokens: 3 };
const fastRetry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const down = () => upstreamHttpError('a', 503, 'down');

/** A chat backend that also embeds: fails its first `failFirst` embed calls, hangs when asked. */
class EmbeddingBackend extends ScriptedBackend {
  readonly embedCalls: { request: EmbeddingsRequest; call: CallContext }[] = [];

  constructor(
    name: string,
    private readonly script: {
      failFirst?: number;
      error?: Error;
      hang?: boolean;
      reportUsage?: boolean;
    } = {},
  ) {
    super({ name });
  }

  async embed(embedRequest: EmbeddingsRequest, call: CallContext): Promise<EmbeddingsResult> {
    this.embedCalls.push({ request: embedRequest, call });
    if (this.script.hang) await untilAborted(call.signal);
    if (this.embedCalls.length <= (this.script.failFirst ?? 0)) throw this.script.error ?? down();
    return {
      model: embedRequest.model,
      data: [
        { index: 0, embedding: [0.1, 0.2] },
        { index: 1, embedding: [0.3, 0.4] },
      ],
      usage:
        this.script.reportUsage === false ? { promptTokens: 0, completionTokens: 0, totalTokens: 0 } : usage,
    };
  }
}

describe('Pipeline.embed', () => {
  it('routes like chat, sends the target model and records the call for telemetry and metrics', async () => {
    const a = new EmbeddingBackend('a');
    const { pipeline, text } = pipelineOver([a], { models: { e: { backend: 'a', model: 'upstream-e' } } });
    const context = requestContext();
    const { result, meta } = await pipeline.embed(request, context);
    expect(a.embedCalls[0]!.request).toEqual({ ...request, model: 'upstream-e' });
    expect(result.data.map((item) => item.embedding)).toEqual([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    expect(result.usage).toEqual(usage);
    expect(meta).toMatchObject({ requestedModel: 'e', backend: 'a', model: 'upstream-e', cached: false });
    expect(context.annotations).toMatchObject({ backend: 'a', model: 'upstream-e', usage, retries: 0 });
    expect(context.annotations.llmLatencyMs).toBeGreaterThanOrEqual(0);
    expect(await text()).toContain('gateway_tokens_total{backend="a",kind="prompt"} 3');
  });

  it('estimates usage with the tokenizer when the upstream reports none, and says so', async () => {
    const a = new EmbeddingBackend('a', { reportUsage: false });
    const { pipeline } = pipelineOver([a], { models: { e: 'a' } });
    const { result } = await pipeline.embed({ model: 'e', input: [[1, 2, 3, 4]] }, requestContext());
    expect(result.usage).toEqual({ promptTokens: 4, completionTokens: 0, totalTokens: 4, estimated: true });
  });

  it('retries retryable failures and falls back to the next target, as chat does', async () => {
    const a = new EmbeddingBackend('a', { failFirst: 2 });
    const { pipeline } = pipelineOver([a], { models: { e: 'a' } }, { retry: fastRetry });
    const { meta } = await pipeline.embed(request, requestContext());
    expect(a.embedCalls).toHaveLength(3);
    expect(meta.retries).toBe(2);

    const broken = new EmbeddingBackend('broken', { failFirst: 99 });
    const spare = new EmbeddingBackend('spare');
    const { pipeline: chain } = pipelineOver([broken, spare], {
      models: { e: [{ backend: 'broken' }, { backend: 'spare' }] },
    });
    const context = requestContext();
    expect((await chain.embed(request, context)).meta).toMatchObject({ backend: 'spare', fallback: true });
    expect(context.annotations.fallback).toBe(true);
  });

  it('skips targets without embeddings and answers a 400 naming the backend when none has them', async () => {
    const chatOnly = new ScriptedBackend({ name: 'chat-only' });
    const a = new EmbeddingBackend('a');
    const { pipeline } = pipelineOver([chatOnly, a], {
      models: { e: [{ backend: 'chat-only' }, { backend: 'a' }], c: 'chat-only' },
    });
    expect((await pipeline.embed(request, requestContext())).meta.backend).toBe('a');

    const context = requestContext();
    const error = await gatewayRejection(pipeline.embed({ ...request, model: 'c' }, context));
    expect(error).toMatchObject({ status: 400, code: 'embeddings_not_supported', param: 'model' });
    expect(error.message).toContain("'c'");
    expect(error.message).toContain('chat-only');
    expect(context.annotations.errorType).toBe('invalid_request');
    expect(chatOnly.calls).toHaveLength(0);
  });

  it('counts against the per-minute limit and charges the day budget with the usage', async () => {
    const a = new EmbeddingBackend('a');
    const limiter = createRateLimiter({ requestsPerMinute: 2, tokensPerDay: 5 });
    const { pipeline } = pipelineOver([a], { models: { e: 'a' } }, { rateLimiter: limiter });
    const ok = requestContext();
    await pipeline.embed(request, ok);
    expect(ok.annotations.responseHeaders).toMatchObject({ 'X-RateLimit-Remaining': '1' });
    // 3 of 5 tokens spent: the next 3 exceed the day budget at settlement, the third call is refused.
    await pipeline.embed(request, requestContext());
    const error = await gatewayRejection(pipeline.embed(request, requestContext()));
    expect(error.status).toBe(429);
    expect(a.embedCalls).toHaveLength(2);
  });

  it('times out a hanging upstream call', async () => {
    const a = new EmbeddingBackend('a', { hang: true });
    const { pipeline } = pipelineOver([a], { models: { e: 'a' } }, { timeoutMs: 30 });
    const error = await gatewayRejection(pipeline.embed(request, requestContext()));
    expect(error.type).toBe('upstream_timeout');
    expect(a.embedCalls[0]!.call.signal.aborted).toBe(true);
  });
});
