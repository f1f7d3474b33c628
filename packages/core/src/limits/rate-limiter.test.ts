import { gatewayRejection } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { burstWindow, createRateLimiter } from './rate-limiter.js';

describe('rate limiter (memory)', () => {
  it('allows requestsPerMinute per principal, then answers 429 with Retry-After and X-RateLimit-*', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 3 });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const decision = await limiter.consumeRequest('alice');
      remaining.push(decision.headers['X-RateLimit-Remaining']!);
      expect(decision.headers['X-RateLimit-Limit']).toBe('3');
      expect(Number(decision.headers['X-RateLimit-Reset'])).toBeGreaterThan(0);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const error = await gatewayRejection(limiter.consumeRequest('alice'));
    expect(error).toMatchObject({ type: 'rate_limited', status: 429, code: 'rate_limit_exceeded' });
    const retryAfter = Number(error.headers['Retry-After']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(error.retryAfterMs).toBe(retryAfter * 1000);
    expect(error.headers['X-RateLimit-Limit']).toBe('3');
    expect(error.headers['X-RateLimit-Remaining']).toBe('0');

    // Another principal has its own bucket.
    await expect(limiter.consumeRequest('bob')).resolves.toMatchObject({ remaining: 2 });
  });

  it('applies per-principal limits over the defaults', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 100 });
    await limiter.consumeRequest('client-a', { requestsPerMinute: 1 });
    await expect(limiter.consumeRequest('client-a', { requestsPerMinute: 1 })).rejects.toMatchObject({
      status: 429,
    });
    const generous = await limiter.consumeRequest('client-b', { requestsPerMinute: 1000 });
    expect(generous.headers['X-RateLimit-Limit']).toBe('1000');
  });

  it('caps bursts below the minute allowance and does not charge the refused request', async () => {
    // 60/min with a burst of 2: at most 2 requests per 2-second window.
    const limiter = createRateLimiter({ requestsPerMinute: 60, burst: 2 });
    await limiter.consumeRequest('k');
    const second = await limiter.consumeRequest('k');
    expect(second.remaining).toBe(0);
    const error = await gatewayRejection(limiter.consumeRequest('k'));
    expect(Number(error.headers['Retry-After'])).toBeLessThanOrEqual(2);
    expect(await limiter.snapshot('k')).toEqual({ rate: 60, tokens_available: 58 });
  });

  it('refuses calls once the day token budget is spent', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 100, tokensPerDay: 100 });
    const first = await limiter.reserveTokens('alice', 60);
    expect(first?.headers['X-RateLimit-Remaining-Tokens']).toBe('40');
    // The call used more than it reserved (its prompt): the budget is crossed, the next one is refused.
    await limiter.settleTokens('alice', first!.reserved, 110);
    const error = await gatewayRejection(limiter.reserveTokens('alice', 1));
    expect(error).toMatchObject({ status: 429, code: 'token_limit_exceeded' });
    expect(error.message).toBe('Daily token limit exceeded');
    expect(Number(error.headers['Retry-After'])).toBeGreaterThan(86_000);
    expect(error.headers['X-RateLimit-Limit-Tokens']).toBe('100');
    // A principal's own budget overrides the default.
    await expect(limiter.reserveTokens('alice', 10, { tokensPerDay: 1000 })).resolves.toMatchObject({
      remaining: 880,
    });
  });

  it('daily token limit let 110 of 100 through: a call whose max_tokens does not fit is refused up front', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 0, tokensPerDay: 100 });
    // Eleven concurrent calls of at most 10 tokens each: only ten fit in the day.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 11 }, () => limiter.reserveTokens('alice', 10)),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected');
    expect(refused?.reason).toMatchObject({ status: 429, code: 'token_limit_exceeded' });
  });

  it('settles a reservation on the real usage and refunds a failed call', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 0, tokensPerDay: 100 });
    const big = await limiter.reserveTokens('alice', 80);
    // 80 held: a call of 30 does not fit, and the refusal holds nothing.
    const error = await gatewayRejection(limiter.reserveTokens('alice', 30));
    expect(error.message).toContain('20 tokens left today, this request reserves 30');
    await limiter.settleTokens('alice', big!.reserved, 12);
    const next = await limiter.reserveTokens('alice', 30);
    expect(next?.remaining).toBe(58);
    await limiter.settleTokens('alice', next!.reserved, 0);
    await expect(limiter.reserveTokens('alice', 88)).resolves.toMatchObject({ remaining: 0 });
  });

  it('does not limit when no limit is configured', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 0 });
    for (let i = 0; i < 50; i++) await limiter.consumeRequest('k');
    await expect(limiter.reserveTokens('k', 10)).resolves.toBeUndefined();
    await limiter.consumeTokens('k', 1_000_000);
    expect(await limiter.snapshot()).toEqual({ rate: 0, tokens_available: null });
  });

  it('reports the anonymous bucket for /metrics', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 100 });
    expect(await limiter.snapshot()).toEqual({ rate: 100, tokens_available: 100 });
    await limiter.consumeRequest('anonymous');
    await limiter.consumeRequest('anonymous');
    expect(await limiter.snapshot()).toEqual({ rate: 100, tokens_available: 98 });
  });

  it('sizes the burst window so it never slows the long-run rate below requestsPerMinute', () => {
    expect(burstWindow(100, 10)).toEqual({ window: 6, points: 10 });
    expect(burstWindow(60, 2)).toEqual({ window: 2, points: 2 });
    for (const [rpm, burst] of [
      [100, 7],
      [100, 1],
      [600, 5],
      [1000, 3],
      [90, 89],
    ] as const) {
      const { window, points } = burstWindow(rpm, burst);
      expect(window).toBeGreaterThanOrEqual(1);
      expect(points).toBeGreaterThanOrEqual(burst);
      expect((points * 60) / window).toBeGreaterThanOrEqual(rpm);
    }
  });
});
