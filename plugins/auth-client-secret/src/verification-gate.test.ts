import { isGatewayError } from '@llm-gateway/spec';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VerificationGate } from './verification-gate.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A verifier whose calls stay pending until the test settles them. */
function heldVerifier() {
  const pending: ((matches: boolean) => void)[] = [];
  let running = 0;
  let peak = 0;
  const verify = vi.fn(
    () =>
      new Promise<boolean>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        pending.push((matches) => {
          running -= 1;
          resolve(matches);
        });
      }),
  );
  return { verify, pending, peak: () => peak };
}

describe('VerificationGate: bounded scrypt work', () => {
  it('runs at most maxConcurrent verifications at once and hands slots on in order', async () => {
    const held = heldVerifier();
    const gate = new VerificationGate({ maxConcurrent: 2, maxQueue: 10, initialMs: 1, verify: held.verify });
    const logins = Array.from({ length: 6 }, (_, i) => gate.verify(`s${i}`, 'hash'));
    await Promise.resolve();
    expect(held.verify).toHaveBeenCalledTimes(2);
    expect(gate.queued).toBe(4);
    while (held.pending.length > 0) {
      held.pending.shift()!(true);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await expect(Promise.all(logins)).resolves.toEqual([true, true, true, true, true, true]);
    expect(held.peak()).toBe(2);
    expect(gate.running).toBe(0);
  });

  it('answers 503 with Retry-After at once when the queue is full, instead of queueing without bound', async () => {
    const held = heldVerifier();
    const gate = new VerificationGate({ maxConcurrent: 1, maxQueue: 1, initialMs: 1, verify: held.verify });
    const first = gate.verify('a', 'hash');
    const second = gate.verify('b', 'hash');
    const error = await gate.verify('c', 'hash').catch((caught: unknown) => caught);
    expect(isGatewayError(error) && error.status).toBe(503);
    expect(isGatewayError(error) && error.headers['Retry-After']).toBe('1');
    held.pending.shift()!(false);
    await new Promise((resolve) => setImmediate(resolve));
    held.pending.shift()!(false);
    await expect(Promise.all([first, second])).resolves.toEqual([false, false]);
  });

  it('makes an unknown client id wait as long as a verification takes without running scrypt', async () => {
    vi.useFakeTimers();
    const verify = vi.fn(async () => true);
    const gate = new VerificationGate({ maxConcurrent: 1, maxQueue: 300, initialMs: 40, verify });
    let settled = 0;
    const bogus = Array.from({ length: 256 }, () => gate.imitate().then(() => settled++));
    await vi.advanceTimersByTimeAsync(39);
    expect(settled).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(bogus);
    expect(settled).toBe(256);
    expect(verify).not.toHaveBeenCalled();
    expect(gate.running).toBe(0);
  });
});
