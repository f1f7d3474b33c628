import { GatewayError, upstreamHttpError, upstreamNetworkError } from '@llm-gateway/spec';
import { describe, expect, it, vi } from 'vitest';
import { circuitOpenError } from './circuit-breaker.js';
import { backoffDelay, isRetryableError, retriesOf, withRetry } from './retry.js';

const fast = { baseDelayMs: 1, maxDelayMs: 5 };

describe('withRetry', () => {
  it('retries two retryable failures and returns the third answer', async () => {
    const fn = vi
      .fn<(attempt: number) => Promise<string>>()
      .mockRejectedValueOnce(upstreamHttpError('a', 503, 'busy'))
      .mockRejectedValueOnce(upstreamNetworkError('a', new Error('ECONNRESET')))
      .mockResolvedValueOnce('ok');
    const onRetry = vi.fn();
    const result = await withRetry(fn, { ...fast, onRetry });
    expect(result).toEqual({ value: 'ok', retries: 2 });
    expect(fn).toHaveBeenCalledTimes(3);
    expect(fn.mock.calls.map((c) => c[0])).toEqual([1, 2, 3]);
    expect(onRetry.mock.calls.map((c) => c[1])).toEqual([1, 2]);
  });

  it('does not retry a non-retryable error', async () => {
    const error = upstreamHttpError('a', 400, 'bad request');
    const fn = vi.fn().mockRejectedValue(error);
    await expect(withRetry(fn, fast)).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(retriesOf(error)).toBe(0);
  });

  it('throws the last error, annotated with the retry count, when attempts run out', async () => {
    const errors = [1, 2, 3].map(() => upstreamHttpError('a', 502, 'bad gateway'));
    let i = 0;
    const fn = vi.fn(async () => {
      throw errors[i++];
    });
    await expect(withRetry(fn, { ...fast, attempts: 3 })).rejects.toBe(errors[2]);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(retriesOf(errors[2])).toBe(2);
  });

  it('honours an upstream Retry-After longer than the backoff', async () => {
    const fn = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(upstreamHttpError('a', 429, 'slow down', 60))
      .mockResolvedValueOnce('ok');
    const delays: number[] = [];
    const started = performance.now();
    const result = await withRetry(fn, {
      ...fast,
      maxRetryAfterMs: 1000,
      onRetry: (_e, _a, d) => delays.push(d),
    });
    expect(result.retries).toBe(1);
    expect(delays).toEqual([60]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('gives up at once when Retry-After exceeds the budget, so the client sees the 429', async () => {
    const error = upstreamHttpError('a', 429, 'slow down', 30_000);
    const fn = vi.fn().mockRejectedValue(error);
    await expect(withRetry(fn, { ...fast, maxRetryAfterMs: 1000 })).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('stops waiting and throws cancelled when the signal fires', async () => {
    const controller = new AbortController();
    const fn = vi.fn().mockRejectedValue(upstreamHttpError('a', 503, 'busy', 5000));
    const promise = withRetry(fn, { maxRetryAfterMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(promise).rejects.toMatchObject({ type: 'cancelled' });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('does not start when the signal already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    const fn = vi.fn();
    await expect(withRetry(fn, { signal: controller.signal })).rejects.toMatchObject({ type: 'cancelled' });
    expect(fn).not.toHaveBeenCalled();
  });

  it('leaves an open circuit to the fallback chain', async () => {
    const fn = vi.fn().mockRejectedValue(circuitOpenError('a', 1000));
    await expect(withRetry(fn, fast)).rejects.toMatchObject({ code: 'circuit_open' });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('accepts a custom retry predicate', async () => {
    const fn = vi.fn().mockRejectedValueOnce(new Error('flaky')).mockResolvedValueOnce(1);
    await expect(withRetry(fn, { ...fast, shouldRetry: () => true })).resolves.toEqual({
      value: 1,
      retries: 1,
    });
  });
});

describe('backoff', () => {
  it('uses full jitter under a doubling, capped ceiling', () => {
    expect(backoffDelay(1, 200, 10_000, () => 0.5)).toBe(100);
    expect(backoffDelay(3, 200, 10_000, () => 0.5)).toBe(400);
    expect(backoffDelay(10, 200, 10_000, () => 0.999)).toBeLessThan(10_000);
    expect(backoffDelay(10, 200, 10_000, () => 0.999)).toBeGreaterThan(9_900);
    expect(backoffDelay(2, 200, 10_000, () => 0)).toBe(0);
  });

  it('classifies errors by their typed fields', () => {
    expect(isRetryableError(upstreamHttpError('a', 408, 'timeout'))).toBe(true);
    expect(isRetryableError(upstreamHttpError('a', 500, 'oops'))).toBe(true);
    expect(isRetryableError(upstreamHttpError('a', 404, 'no model'))).toBe(false);
    expect(isRetryableError(new GatewayError('internal', 'x'))).toBe(false);
    expect(isRetryableError(new Error('plain'))).toBe(false);
  });
});
