import { GatewayError, upstreamHttpError } from '@llm-gateway/spec';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BreakerRegistry, createBreakerRegistry, isBackendFailure } from './circuit-breaker.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const unavailable = () => upstreamHttpError('a', 503, 'down');

let registry: BreakerRegistry | undefined;
afterEach(() => registry?.close());

async function failTimes(r: BreakerRegistry, backend: string, n: number, error = unavailable) {
  for (let i = 0; i < n; i++) {
    await expect(r.run(backend, () => Promise.reject(error()))).rejects.toBeInstanceOf(GatewayError);
  }
}

describe('breaker registry', () => {
  it('opens after exactly N consecutive failures and then fails fast without calling fn', async () => {
    registry = createBreakerRegistry({ failureThreshold: 3, resetTimeoutMs: 10_000 });
    await failTimes(registry, 'a', 2);
    expect(registry.snapshot().a).toEqual({ state: 'closed', failure_count: 2, failure_threshold: 3 });
    await failTimes(registry, 'a', 1);
    expect(registry.snapshot().a).toEqual({ state: 'open', failure_count: 3, failure_threshold: 3 });

    const fn = vi.fn(async () => 'never');
    const error = await registry.run('a', fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(error).toMatchObject({
      type: 'unavailable',
      status: 503,
      code: 'circuit_open',
      isRetryable: true,
      backend: 'a',
    });
    const seconds = Number((error as GatewayError).headers['Retry-After']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(10);
  });

  it('keeps breakers per backend', async () => {
    registry = createBreakerRegistry({ failureThreshold: 2, resetTimeoutMs: 10_000 });
    await failTimes(registry, 'a', 2);
    expect(registry.state('a')).toBe('open');
    await expect(registry.run('b', async () => 'b ok')).resolves.toBe('b ok');
    expect(registry.state('b')).toBe('closed');
  });

  it('does not count client errors, and a success resets the count', async () => {
    registry = createBreakerRegistry({ failureThreshold: 3, resetTimeoutMs: 10_000 });
    await failTimes(registry, 'a', 10, () => upstreamHttpError('a', 400, 'bad'));
    expect(registry.snapshot().a?.failure_count).toBe(0);
    await failTimes(registry, 'a', 2);
    await registry.run('a', async () => 'ok');
    await failTimes(registry, 'a', 2);
    expect(registry.snapshot().a).toMatchObject({ state: 'closed', failure_count: 2 });
  });

  it('half-opens after the reset timeout, lets one trial through, and closes on success', async () => {
    const changes: string[] = [];
    registry = createBreakerRegistry({
      failureThreshold: 2,
      resetTimeoutMs: 50,
      onStateChange: (backend, state) => changes.push(`${backend}:${state}`),
    });
    await failTimes(registry, 'a', 2);
    expect(registry.state('a')).toBe('open');
    await wait(90);
    expect(registry.state('a')).toBe('half_open');

    let release!: () => void;
    const trial = registry.run(
      'a',
      () =>
        new Promise<string>((resolve) => {
          release = () => resolve('back');
        }),
    );
    // While the trial is in flight, other calls still fail fast.
    const other = vi.fn(async () => 'x');
    await expect(registry.run('a', other)).rejects.toMatchObject({ code: 'circuit_open' });
    expect(other).not.toHaveBeenCalled();
    release();
    await expect(trial).resolves.toBe('back');
    expect(registry.snapshot().a).toEqual({ state: 'closed', failure_count: 0, failure_threshold: 2 });
    expect(changes).toEqual(['a:open', 'a:half_open', 'a:closed']);
  });

  it('re-opens when the half-open trial fails', async () => {
    registry = createBreakerRegistry({ failureThreshold: 2, resetTimeoutMs: 50 });
    await failTimes(registry, 'a', 2);
    await wait(90);
    await failTimes(registry, 'a', 1);
    expect(registry.state('a')).toBe('open');
    const fn = vi.fn(async () => 'x');
    await expect(registry.run('a', fn)).rejects.toMatchObject({ code: 'circuit_open' });
    expect(fn).not.toHaveBeenCalled();
  });

  it('passes errors through unchanged and calls straight through when disabled', async () => {
    registry = createBreakerRegistry({ enabled: false, failureThreshold: 1 });
    const error = unavailable();
    await expect(registry.run('a', () => Promise.reject(error))).rejects.toBe(error);
    await expect(registry.run('a', async () => 'ok')).resolves.toBe('ok');
    expect(registry.snapshot()).toEqual({});
  });

  it("counts upstream errors, not client errors, cancellations or the gateway's own bugs", () => {
    expect(isBackendFailure(upstreamHttpError('a', 500, 'x'))).toBe(true);
    expect(isBackendFailure(upstreamHttpError('a', 401, 'x'))).toBe(true);
    expect(isBackendFailure(upstreamHttpError('a', 404, 'x'))).toBe(false);
    expect(isBackendFailure(new GatewayError('cancelled', 'x'))).toBe(false);
    expect(isBackendFailure(new GatewayError('internal', 'x', { backend: 'a' }))).toBe(false);
    expect(isBackendFailure(new Error('boom'))).toBe(false);
    expect(isBackendFailure(new DOMException('aborted', 'AbortError'))).toBe(false);
  });

  it("stays closed however often the gateway's own code throws (issue 19: one tenant opened it for all)", async () => {
    registry = createBreakerRegistry({ failureThreshold: 2 });
    for (let i = 0; i < 5; i++) {
      await expect(
        registry.run('a', () => Promise.reject(new RangeError('Maximum call stack size exceeded'))),
      ).rejects.toBeInstanceOf(RangeError);
    }
    await failTimes(registry, 'a', 5, () => new GatewayError('internal', 'Internal gateway error'));
    expect(registry.snapshot().a).toEqual({ state: 'closed', failure_count: 0, failure_threshold: 2 });
  });
});
