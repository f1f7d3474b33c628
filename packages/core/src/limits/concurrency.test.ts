import { describe, expect, it } from 'vitest';
import { createConcurrencyLimiter } from './concurrency.js';

/** A call that runs until released. */
function gate<T = string>(value?: T) {
  let release!: () => void;
  const done = new Promise<T>((resolve) => {
    release = () => resolve(value as T);
  });
  return { fn: () => done, release };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('concurrency limiter', () => {
  it('runs up to maxConcurrent, queues the next ones FIFO, and refuses beyond the queue with a 503', async () => {
    const limiter = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 2, queueTimeoutMs: 5000 });
    const first = gate('1');
    const order: string[] = [];
    const p1 = limiter.run(first.fn);
    const p2 = limiter.run(async () => void order.push('2'));
    const p3 = limiter.run(async () => void order.push('3'));
    expect(limiter.inFlight()).toBe(1);
    expect(limiter.queued()).toBe(2);

    const error = await limiter.run(async () => 'x').catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'unavailable',
      status: 503,
      code: 'concurrency_limit',
      retryAfterMs: 1000,
      headers: { 'Retry-After': '1' },
    });

    first.release();
    await Promise.all([p1, p2, p3]);
    expect(order).toEqual(['2', '3']);
    expect(limiter.inFlight()).toBe(0);
    expect(limiter.queued()).toBe(0);
  });

  it('gives up on a waiter after the queue timeout', async () => {
    const limiter = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 30 });
    const first = gate();
    const p1 = limiter.run(first.fn);
    await expect(limiter.run(async () => 'late')).rejects.toMatchObject({ code: 'concurrency_limit' });
    expect(limiter.queued()).toBe(0);
    first.release();
    await p1;
  });

  it('drops an aborted waiter from the queue', async () => {
    const limiter = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 5000 });
    const first = gate();
    const p1 = limiter.run(first.fn);
    const controller = new AbortController();
    let ran = false;
    const waiting = limiter.run(async () => {
      ran = true;
    }, controller.signal);
    expect(limiter.queued()).toBe(1);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ type: 'cancelled' });
    expect(limiter.queued()).toBe(0);
    // The freed queue place is usable again, and the slot passes to the new waiter, not the aborted one.
    const p3 = limiter.run(async () => 'third');
    first.release();
    await expect(p3).resolves.toBe('third');
    await p1;
    expect(ran).toBe(false);
    expect(limiter.inFlight()).toBe(0);
  });

  it('frees the slot when the call throws', async () => {
    const limiter = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 0 });
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await tick();
    expect(limiter.inFlight()).toBe(0);
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('refuses at once with no queue, and refuses an already aborted call', async () => {
    const limiter = createConcurrencyLimiter({ maxConcurrent: 2 });
    const a = gate();
    const b = gate();
    const pa = limiter.run(a.fn);
    const pb = limiter.run(b.fn);
    await expect(limiter.run(async () => 'c')).rejects.toMatchObject({ code: 'concurrency_limit' });
    const controller = new AbortController();
    controller.abort();
    await expect(limiter.run(async () => 'd', controller.signal)).rejects.toMatchObject({
      type: 'cancelled',
    });
    a.release();
    b.release();
    await Promise.all([pa, pb]);
  });
});
