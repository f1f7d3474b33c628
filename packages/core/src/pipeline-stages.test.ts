import { type ChatRequest, type Principal, type RequestContext, upstreamHttpError } from '@llm-gateway/spec';
import { collect, gatewayRejection } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { requestContext, ScriptedBackend } from './__fixtures__/scripted-backend.js';
import { pipelineOver } from './__fixtures__/scripted-pipeline.js';
import { MemoryCache } from './cache/memory-cache.js';
import { createRateLimiter } from './limits/rate-limiter.js';
import { type PipelineOptions, principalKey } from './pipeline.js';
import type { RoutingConfig } from './router.js';

const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'Say hello' }] };
const usage = { promptTokens: 11, completionTokens: 2, totalTokens: 13 };
const fastRetry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(
  backends: ScriptedBackend[],
  routing: RoutingConfig = { models: { m: backends[0]!.name } },
  extra: Partial<PipelineOptions> = {},
) {
  return pipelineOver(backends, routing, extra);
}

function contextFor(principal: Principal, signal?: AbortSignal): RequestContext {
  return { ...requestContext(signal), principal };
}

const down = () => upstreamHttpError('a', 503, 'down');

describe('retries', () => {
  it('retries retryable failures and reports how many', async () => {
    const a = new ScriptedBackend({ name: 'a', usage, failFirst: { times: 2, error: down() } });
    const { pipeline, text } = setup([a], undefined, { retry: fastRetry });
    const context = requestContext();
    const { meta } = await pipeline.chat(request, context);
    expect(a.calls).toHaveLength(3);
    expect(meta).toMatchObject({ backend: 'a', retries: 2, fallback: false });
    expect(context.annotations).toMatchObject({ retries: 2, fallback: false });
    expect(await text()).toContain('gateway_upstream_retries_total{backend="a"} 2');
  });

  it('does not retry a client error, and counts retries on a final failure', async () => {
    const bad = new ScriptedBackend({ name: 'a', failWith: upstreamHttpError('a', 400, 'bad') });
    const { pipeline } = setup([bad], undefined, { retry: fastRetry });
    expect((await gatewayRejection(pipeline.chat(request, requestContext()))).status).toBe(400);
    expect(bad.calls).toHaveLength(1);

    const broken = new ScriptedBackend({ name: 'a', failWith: down() });
    const context = requestContext();
    const { pipeline: p2 } = setup([broken], undefined, { retry: fastRetry });
    expect((await gatewayRejection(p2.chat(request, context))).type).toBe('upstream_error');
    expect(broken.calls).toHaveLength(3);
    expect(context.annotations.retries).toBe(2);
  });

  it('retries a stream that fails before its first part, never one that failed after it', async () => {
    const early = new ScriptedBackend({ name: 'a', failFirst: { times: 1, error: down() } });
    const { pipeline } = setup([early], undefined, { retry: fastRetry });
    const outcome = await pipeline.stream(request, requestContext());
    expect(outcome.meta.retries).toBe(1);
    expect((await collect(outcome.parts)).at(-1)).toMatchObject({ type: 'finish' });

    const late = new ScriptedBackend({ name: 'a', failMidStream: { afterParts: 1, error: down() } });
    const { pipeline: p2 } = setup([late], undefined, { retry: fastRetry });
    const opened = await p2.stream(request, requestContext());
    expect((await gatewayRejection(collect(opened.parts))).type).toBe('upstream_error');
    expect(late.calls).toHaveLength(1);
  });

  it('stops retrying when the client goes away', async () => {
    const a = new ScriptedBackend({ name: 'a', failWith: upstreamHttpError('a', 503, 'busy', 5000) });
    const { pipeline } = setup([a], undefined, { retry: { ...fastRetry, maxRetryAfterMs: 10_000 } });
    const client = new AbortController();
    const pending = pipeline.chat(request, requestContext(client.signal));
    await wait(20);
    client.abort();
    expect((await gatewayRejection(pending)).type).toBe('cancelled');
    expect(a.calls).toHaveLength(1);
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, fails fast without calling the backend, and closes after a good trial', async () => {
    const a = new ScriptedBackend({ name: 'a', failFirst: { times: 2, error: down() } });
    const { pipeline, text } = setup([a], undefined, {
      breaker: { failureThreshold: 2, resetTimeoutMs: 80 },
    });
    for (let i = 0; i < 2; i++) await gatewayRejection(pipeline.chat(request, requestContext()));
    expect(pipeline.breakers()).toEqual({ a: { state: 'open', failure_count: 2, failure_threshold: 2 } });
    expect(await text()).toContain('gateway_circuit_breaker_state{backend="a"} 1');

    const fast = await gatewayRejection(pipeline.chat(request, requestContext()));
    expect(fast).toMatchObject({ status: 503, code: 'circuit_open' });
    expect(a.calls).toHaveLength(2);

    await wait(120);
    expect(pipeline.breakers().a!.state).toBe('half_open');
    await pipeline.chat(request, requestContext());
    expect(pipeline.breakers().a).toEqual({ state: 'closed', failure_count: 0, failure_threshold: 2 });
    expect(await text()).toContain('gateway_circuit_breaker_state{backend="a"} 0');
    await pipeline.close();
  });

  it('counts one failure per exhausted call, not per retry', async () => {
    const a = new ScriptedBackend({ name: 'a', failWith: down() });
    const { pipeline } = setup([a], undefined, {
      retry: fastRetry,
      breaker: { failureThreshold: 2, resetTimeoutMs: 10_000 },
    });
    await gatewayRejection(pipeline.chat(request, requestContext()));
    expect(a.calls).toHaveLength(3);
    expect(pipeline.breakers().a).toMatchObject({ state: 'closed', failure_count: 1 });
    await pipeline.close();
  });

  it('reports closed breakers for every backend when breakers are off', () => {
    const { pipeline } = setup([new ScriptedBackend({ name: 'a' })]);
    expect(pipeline.breakersEnabled).toBe(false);
    expect(pipeline.breakers()).toEqual({ a: { state: 'closed', failure_count: 0, failure_threshold: 5 } });
  });
});

describe('fallback and load balancing', () => {
  const chain: RoutingConfig = {
    models: {
      m: [
        { backend: 'a', model: 'primary' },
        { backend: 'b', model: 'secondary' },
      ],
    },
  };

  it('answers from the next target when the first is down, and says so', async () => {
    const a = new ScriptedBackend({ name: 'a', failWith: down() });
    const b = new ScriptedBackend({ name: 'b', usage });
    const { pipeline, text } = setup([a, b], chain, { retry: fastRetry });
    const context = requestContext();
    const { meta } = await pipeline.chat(request, context);
    expect(meta).toMatchObject({ backend: 'b', model: 'secondary', fallback: true, retries: 2 });
    expect(context.annotations).toMatchObject({ backend: 'b', fallback: true });
    expect(b.calls[0]!.request.model).toBe('secondary');
    expect(await text()).toContain('gateway_fallbacks_total{backend="a"} 1');
  });

  it('skips an open breaker straight to the next target', async () => {
    const a = new ScriptedBackend({ name: 'a', failWith: down() });
    const b = new ScriptedBackend({ name: 'b' });
    const { pipeline } = setup([a, b], chain, { breaker: { failureThreshold: 1, resetTimeoutMs: 10_000 } });
    await pipeline.chat(request, requestContext());
    expect(pipeline.breakers().a!.state).toBe('open');
    const { meta } = await pipeline.chat(request, requestContext());
    expect(meta.backend).toBe('b');
    expect(a.calls).toHaveLength(1);
    await pipeline.close();
  });

  it('falls back for streams before the first part', async () => {
    const a = new ScriptedBackend({ name: 'a', failWith: down() });
    const b = new ScriptedBackend({ name: 'b' });
    const { pipeline } = setup([a, b], chain);
    const outcome = await pipeline.stream(request, requestContext());
    expect(outcome.meta).toMatchObject({ backend: 'b', fallback: true });
    expect((await collect(outcome.parts)).length).toBeGreaterThan(1);
  });

  it('spreads a loadbalance route by weight', async () => {
    const a = new ScriptedBackend({ name: 'a' });
    const b = new ScriptedBackend({ name: 'b' });
    const routing: RoutingConfig = {
      models: {
        m: {
          strategy: 'loadbalance',
          targets: [
            { backend: 'a', weight: 3 },
            { backend: 'b', weight: 1 },
          ],
        },
      },
    };
    let next = 0;
    // Each request draws once per remaining target: the first draw picks the first target.
    const randoms = [0.1, 0.1, 0.9, 0.9, 0.5, 0.5, 0.8, 0.8];
    const { pipeline } = setup([a, b], routing, { random: () => randoms[next++ % randoms.length]! });
    const answered: string[] = [];
    for (let i = 0; i < 4; i++) answered.push((await pipeline.chat(request, requestContext())).meta.backend);
    // 0.1 and 0.5 of a total weight of 4 land in a's share (0..3), 0.9 and 0.8 in b's.
    expect(answered).toEqual(['a', 'b', 'a', 'b']);
  });

  it('skips targets the principal may not use, and refuses when none is left', async () => {
    const a = new ScriptedBackend({ name: 'a' });
    const b = new ScriptedBackend({ name: 'b' });
    const { pipeline } = setup([a, b], chain);
    const onlyB: Principal = { id: 'c1', kind: 'client', scheme: 'dsp', allowedProviders: ['b'] };
    expect((await pipeline.chat(request, contextFor(onlyB))).meta.backend).toBe('b');
    const none: Principal = { ...onlyB, allowedProviders: ['z'] };
    const error = await gatewayRejection(pipeline.chat(request, contextFor(none)));
    expect(error).toMatchObject({ type: 'permission', status: 403, code: 'provider_not_allowed' });
    expect(a.calls).toHaveLength(0);
  });
});

describe('response cache', () => {
  it('answers an identical request from the cache without calling the backend', async () => {
    const a = new ScriptedBackend({ name: 'a', usage });
    const { pipeline, text } = setup([a], undefined, { cache: { store: new MemoryCache(), ttlSeconds: 60 } });
    const first = requestContext();
    const miss = await pipeline.chat(request, first);
    expect(miss.meta.cached).toBe(false);
    expect(first.annotations.responseHeaders).toMatchObject({ 'x-gateway-cache': 'miss' });

    const second = requestContext();
    const hit = await pipeline.chat({ ...request, user: 'someone else' }, second);
    expect(a.calls).toHaveLength(1);
    expect(hit.meta).toMatchObject({ cached: true, backend: 'a', requestedModel: 'm' });
    expect(hit.result).toMatchObject({ text: 'Hello world', usage, finishReason: 'stop' });
    expect(second.annotations).toMatchObject({ cacheHit: true, backend: 'a', usage });
    expect(second.annotations.responseHeaders).toMatchObject({ 'x-gateway-cache': 'hit' });

    await pipeline.chat({ ...request, temperature: 0.1 }, requestContext());
    expect(a.calls).toHaveLength(2);
    const metrics = await text();
    expect(metrics).toContain('gateway_cache_lookups_total{result="hit"} 1');
    expect(metrics).toContain('gateway_cache_lookups_total{result="miss"} 2');
  });

  it('expires entries after their TTL', async () => {
    const a = new ScriptedBackend({ name: 'a' });
    const { pipeline } = setup([a], undefined, { cache: { store: new MemoryCache(), ttlSeconds: 0.05 } });
    await pipeline.chat(request, requestContext());
    await pipeline.chat(request, requestContext());
    expect(a.calls).toHaveLength(1);
    await wait(80);
    await pipeline.chat(request, requestContext());
    expect(a.calls).toHaveLength(2);
  });

  it('caches a stream once it finished and replays it as a stream or as JSON', async () => {
    const a = new ScriptedBackend({ name: 'a', words: ['one', ' two', ' three'], usage });
    const { pipeline } = setup([a], undefined, { cache: { store: new MemoryCache(), ttlSeconds: 60 } });
    await collect((await pipeline.stream(request, requestContext())).parts);

    const replay = await pipeline.stream(request, requestContext());
    expect(replay.meta.cached).toBe(true);
    const parts = await collect(replay.parts);
    expect(
      parts
        .filter((p) => p.type === 'text-delta')
        .map((p) => p.text)
        .join(''),
    ).toBe('one two three');
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage });
    const json = await pipeline.chat(request, requestContext());
    expect(json).toMatchObject({ meta: { cached: true }, result: { text: 'one two three' } });
    expect(a.calls).toHaveLength(1);
  });

  it('does not cache a stream that broke off or that the consumer left', async () => {
    const a = new ScriptedBackend({
      name: 'a',
      words: ['a', 'b', 'c'],
      failMidStream: { afterParts: 1, error: down() },
    });
    const { pipeline } = setup([a], undefined, { cache: { store: new MemoryCache(), ttlSeconds: 60 } });
    await gatewayRejection(collect((await pipeline.stream(request, requestContext())).parts));
    await gatewayRejection(collect((await pipeline.stream(request, requestContext())).parts));
    expect(a.calls).toHaveLength(2);

    const b = new ScriptedBackend({ name: 'b', words: ['a', 'b', 'c'] });
    const { pipeline: p2 } = setup([b], { models: { m: 'b' } }, { cache: { store: new MemoryCache() } });
    for await (const _ of (await p2.stream(request, requestContext())).parts) break;
    await collect((await p2.stream(request, requestContext())).parts);
    expect(b.calls).toHaveLength(2);
  });
});

describe('rate limits', () => {
  it('limits requests per minute per principal, with headers on success and on the 429', async () => {
    const a = new ScriptedBackend({ name: 'a' });
    const { pipeline, text } = setup([a], undefined, {
      rateLimiter: createRateLimiter({ requestsPerMinute: 2 }),
    });
    const ok = requestContext();
    await pipeline.chat(request, ok);
    expect(ok.annotations.responseHeaders).toMatchObject({
      'X-RateLimit-Limit': '2',
      'X-RateLimit-Remaining': '1',
    });
    await pipeline.stream(request, requestContext());
    const error = await gatewayRejection(pipeline.chat(request, requestContext()));
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(Number(error.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(error.headers['X-RateLimit-Remaining']).toBe('0');
    expect(a.calls).toHaveLength(2);
    expect(await text()).toContain('gateway_rate_limit_rejections_total{surface="test",limit="requests"} 1');

    // Another principal has its own bucket; its own limits override the default.
    const client: Principal = { id: 'c1', kind: 'client', scheme: 'dsp', limits: { requestsPerMinute: 1 } };
    await pipeline.chat(request, contextFor(client));
    expect((await gatewayRejection(pipeline.chat(request, contextFor(client)))).status).toBe(429);
    expect(principalKey(client)).toBe('dsp:c1');
  });

  it('refuses once the day token budget is spent, counting streamed tokens too', async () => {
    const a = new ScriptedBackend({ name: 'a', usage });
    const limiter = createRateLimiter({ requestsPerMinute: 0, tokensPerDay: 20 });
    const { pipeline } = setup([a], undefined, { rateLimiter: limiter });
    await pipeline.chat(request, requestContext());
    await collect((await pipeline.stream(request, requestContext())).parts);
    const error = await gatewayRejection(pipeline.chat(request, requestContext()));
    expect(error).toMatchObject({ status: 429, code: 'token_limit_exceeded' });
    expect(a.calls).toHaveLength(2);
  });
});

describe('per-surface rate limits (issue 19)', () => {
  const surfaceContext = (surface: string, principal?: Principal) => ({
    ...requestContext(),
    surface,
    ...(principal ? { principal } : {}),
  });

  it("counts a surface with its own limits in its own bucket, per principal, over the default's", async () => {
    const a = new ScriptedBackend({ name: 'a', usage });
    const inference = createRateLimiter({ requestsPerMinute: 2, keyPrefix: 'rl:surface:inference' });
    const { pipeline } = setup([a], undefined, {
      rateLimiter: createRateLimiter({ requestsPerMinute: 100 }),
      surfaceRateLimiters: new Map([['inference', inference]]),
    });
    const first = surfaceContext('inference');
    await pipeline.chat(request, first);
    expect(first.annotations.responseHeaders).toMatchObject({ 'X-RateLimit-Limit': '2' });
    // A task submission (pipeline.admit) counts on its surface's limiter too.
    await pipeline.admit!(surfaceContext('inference'));
    const error = await gatewayRejection(pipeline.chat(request, surfaceContext('inference')));
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    // The same principal elsewhere is under the default limit, in the default bucket.
    const elsewhere = surfaceContext('openai');
    await pipeline.chat(request, elsewhere);
    expect(elsewhere.annotations.responseHeaders).toMatchObject({
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': '99',
    });
    // Another principal on the limited surface has its own bucket.
    const other: Principal = { id: 'k2', kind: 'api_key', scheme: 'keys' };
    await pipeline.chat(request, surfaceContext('inference', other));
  });

  it("settles a surface's day tokens on that surface's budget", async () => {
    const a = new ScriptedBackend({ name: 'a', usage });
    const inference = createRateLimiter({ requestsPerMinute: 0, tokensPerDay: 20 });
    const { pipeline } = setup([a], undefined, { surfaceRateLimiters: new Map([['inference', inference]]) });
    // 13 tokens used, then 13 more (the second fits its 1-token reservation): 26 of 20.
    await pipeline.chat(request, surfaceContext('inference'));
    await pipeline.chat(request, surfaceContext('inference'));
    const spent = await gatewayRejection(
      inference.reserveTokens(principalKey(requestContext().principal), 1),
    );
    expect(spent.code).toBe('token_limit_exceeded');
    // A surface without limits of its own (and no default) is not limited at all.
    for (let i = 0; i < 3; i++) await pipeline.chat(request, surfaceContext('openai'));
    expect((await gatewayRejection(pipeline.chat(request, surfaceContext('inference')))).code).toBe(
      'token_limit_exceeded',
    );
  });
});

describe('principals are counted by scheme and id (issue 19)', () => {
  // A JWT subject that happens to equal an API key's id must not share its buckets.
  const jwtUser: Principal = { id: 'key-abcdef12', kind: 'user', scheme: 'jwt' };
  const apiKey: Principal = { id: 'key-abcdef12', kind: 'api_key', scheme: 'keys' };

  it('keeps separate request buckets', async () => {
    const a = new ScriptedBackend({ name: 'a' });
    const { pipeline } = setup([a], undefined, { rateLimiter: createRateLimiter({ requestsPerMinute: 1 }) });
    await pipeline.chat(request, contextFor(jwtUser));
    await pipeline.chat(request, contextFor(apiKey));
    expect((await gatewayRejection(pipeline.chat(request, contextFor(apiKey)))).status).toBe(429);
    expect(a.calls).toHaveLength(2);
  });

  it('keeps separate day token budgets', async () => {
    const a = new ScriptedBackend({ name: 'a', usage });
    const limiter = createRateLimiter({ requestsPerMinute: 0, tokensPerDay: 13 });
    const { pipeline } = setup([a], undefined, { rateLimiter: limiter });
    await pipeline.chat(request, contextFor(jwtUser));
    expect((await gatewayRejection(pipeline.chat(request, contextFor(jwtUser)))).code).toBe(
      'token_limit_exceeded',
    );
    await pipeline.chat(request, contextFor(apiKey));
    expect(principalKey(jwtUser)).not.toBe(principalKey(apiKey));
  });
});

describe('day token budget reservations', () => {
  const bounded = { ...request, maxTokens: 10 };

  it('daily token limit let 110 of 100 through: concurrent calls reserve their max_tokens up front', async () => {
    const a = new ScriptedBackend({
      name: 'a',
      usage: { promptTokens: 0, completionTokens: 10, totalTokens: 10 },
    });
    const limiter = createRateLimiter({ requestsPerMinute: 0, tokensPerDay: 100 });
    const { pipeline } = setup([a], undefined, { rateLimiter: limiter });
    const calls = await Promise.allSettled(
      Array.from({ length: 11 }, () => pipeline.chat(bounded, requestContext())),
    );
    expect(calls.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10);
    expect(a.calls).toHaveLength(10);
    expect(calls.find((outcome) => outcome.status === 'rejected')).toMatchObject({
      reason: { status: 429, code: 'token_limit_exceeded' },
    });
  });

  it('settles on the real usage and refunds failed calls and cache hits', async () => {
    const a = new ScriptedBackend({ name: 'a', usage, failFirst: { times: 1, error: down() } });
    const limiter = createRateLimiter({ requestsPerMinute: 0, tokensPerDay: 100 });
    const { pipeline } = setup([a], undefined, { rateLimiter: limiter, cache: { store: new MemoryCache() } });
    const big = { ...request, maxTokens: 50 };
    // A failed call gives its whole reservation back.
    expect((await gatewayRejection(pipeline.chat(big, requestContext()))).status).toBe(502);
    // Reserves 50, settles on 13 used; the cached repeat is refunded.
    await pipeline.chat(big, requestContext());
    await pipeline.chat(big, requestContext());
    const left = await limiter.reserveTokens(principalKey(requestContext().principal), 87);
    expect(left?.remaining).toBe(0);
  });
});

describe('concurrency limit', () => {
  it('refuses calls beyond the limit and queue with a 503, and a stream holds its slot until it ends', async () => {
    const slow = new ScriptedBackend({ name: 'a', hangAfterParts: 1 });
    const { pipeline, text } = setup([slow], undefined, {
      concurrency: { maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 30 },
    });
    const client = new AbortController();
    const streaming = await pipeline.stream(request, requestContext(client.signal));
    const iterator = streaming.parts[Symbol.asyncIterator]();
    await iterator.next();
    expect(pipeline.concurrency!.inFlight()).toBe(1);

    // Waits in the queue, then gives up.
    const error = await gatewayRejection(pipeline.chat(request, requestContext()));
    expect(error).toMatchObject({ status: 503, code: 'concurrency_limit' });
    expect(await text()).toContain('gateway_concurrency_rejections_total 1');

    client.abort();
    await gatewayRejection(iterator.next());
    expect(pipeline.concurrency!.inFlight()).toBe(0);
  });

  it('lets a queued call through when a slot frees up', async () => {
    const a = new ScriptedBackend({ name: 'a', words: ['x'] });
    const { pipeline } = setup([a], undefined, {
      concurrency: { maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 5000 },
    });
    const results = await Promise.all([1, 2, 3].map(() => pipeline.chat(request, requestContext())));
    expect(results.map((r) => r.result.text)).toEqual(['x', 'x', 'x']);
    expect(pipeline.concurrency!.inFlight()).toBe(0);
  });
});

describe('streaming switch', () => {
  it('refuses stream requests with a 400 when streaming is off', async () => {
    const a = new ScriptedBackend({ name: 'a' });
    const { pipeline } = setup([a], undefined, { streaming: false });
    expect(pipeline.streamingEnabled).toBe(false);
    const error = await gatewayRejection(pipeline.stream(request, requestContext()));
    expect(error).toMatchObject({ status: 400, code: 'streaming_disabled', param: 'stream' });
    expect(a.calls).toHaveLength(0);
    await expect(pipeline.chat(request, requestContext())).resolves.toBeDefined();
  });
});
