import { GatewayError, upstreamHttpError } from '@llm-gateway/spec';
import { describe, expect, it, vi } from 'vitest';
import { circuitOpenError } from './circuit-breaker.js';
import { planTargets, runFallback, selectTargets, type WeightedTarget } from './fallback.js';

const t = (backend: string, extra: Partial<WeightedTarget> = {}): WeightedTarget => ({
  backend,
  model: 'm',
  ...extra,
});
const names = (list: WeightedTarget[]) => list.map((x) => x.backend);
/** Returns the given values in turn, like Math.random. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('selectTargets', () => {
  it('keeps a plain list in order: a fallback chain', () => {
    expect(names(selectTargets([t('a'), t('b'), t('c')], () => 0.99))).toEqual(['a', 'b', 'c']);
  });

  it('picks by weight inside the leading priority group, then falls back to the rest', () => {
    const targets = [
      t('c', { priority: 1 }),
      t('a', { priority: 0, weight: 3 }),
      t('b', { priority: 0, weight: 1 }),
    ];
    expect(names(selectTargets(targets, sequence(0.5)))).toEqual(['a', 'b', 'c']);
    expect(names(selectTargets(targets, sequence(0.8)))).toEqual(['b', 'a', 'c']);
  });

  it('spreads load roughly by weight', () => {
    const targets = [t('a', { priority: 0, weight: 3 }), t('b', { priority: 0, weight: 1 })];
    let first = 0;
    for (let i = 0; i < 4000; i++) if (selectTargets(targets)[0]?.backend === 'a') first++;
    expect(first / 4000).toBeGreaterThan(0.7);
    expect(first / 4000).toBeLessThan(0.8);
  });

  it('puts zero-weight targets last within their group', () => {
    const targets = [t('z', { priority: 0, weight: 0 }), t('a', { priority: 0 })];
    for (const r of [0, 0.5, 0.999]) expect(names(selectTargets(targets, () => r))).toEqual(['a', 'z']);
  });

  it('plans a loadbalance route over every target', () => {
    const plan = { strategy: 'loadbalance' as const, targets: [t('a'), t('b')] };
    expect(names(planTargets(plan, sequence(0.75)))).toEqual(['b', 'a']);
    expect(names(planTargets({ ...plan, strategy: 'fallback' }, sequence(0.75)))).toEqual(['a', 'b']);
  });
});

describe('runFallback', () => {
  it('moves on after a retryable failure and says which target answered', async () => {
    const onFallback = vi.fn();
    const call = vi.fn(async (target: WeightedTarget) => {
      if (target.backend === 'a') throw upstreamHttpError('a', 503, 'down');
      return `from ${target.backend}`;
    });
    const result = await runFallback([t('a'), t('b')], call, { onFallback });
    expect(result).toEqual({ value: 'from b', target: t('b'), index: 1 });
    expect(onFallback).toHaveBeenCalledTimes(1);
  });

  it('moves on past an open circuit', async () => {
    const result = await runFallback([t('a'), t('b')], async (target) => {
      if (target.backend === 'a') throw circuitOpenError('a', 1000);
      return target.backend;
    });
    expect(result.index).toBe(1);
  });

  it('stops the chain on a non-retryable error', async () => {
    const error = upstreamHttpError('a', 400, 'bad request');
    const call = vi.fn().mockRejectedValue(error);
    await expect(runFallback([t('a'), t('b')], call)).rejects.toBe(error);
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('throws the last error when every target fails', async () => {
    const errors = [upstreamHttpError('a', 503, 'x'), upstreamHttpError('b', 502, 'y')];
    const call = vi.fn(async (_t: WeightedTarget, index: number) => {
      throw errors[index];
    });
    await expect(runFallback([t('a'), t('b')], call)).rejects.toBe(errors[1]);
  });

  it('stops when the client went away', async () => {
    const controller = new AbortController();
    const call = vi.fn(async () => {
      controller.abort();
      throw upstreamHttpError('a', 503, 'x');
    });
    await expect(runFallback([t('a'), t('b')], call, { signal: controller.signal })).rejects.toBeInstanceOf(
      GatewayError,
    );
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('refuses an empty chain', async () => {
    await expect(runFallback([], vi.fn())).rejects.toMatchObject({ code: 'no_targets', status: 503 });
  });
});
