import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { secretsEqual } from './secret.js';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

afterEach(() => {
  vi.mocked(crypto.timingSafeEqual).mockClear();
});

describe('secretsEqual (X-Token-Secret)', () => {
  it('compares with timingSafeEqual', () => {
    expect(secretsEqual('dgen_secret_key', 'dgen_secret_key')).toBe(true);
    expect(secretsEqual('dgen_secret_kez', 'dgen_secret_key')).toBe(false);
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(2);
  });

  it('refuses a wrong secret of another length without throwing (timingSafeEqual needs equal lengths)', () => {
    expect(() => secretsEqual('x', 'dgen_secret_key')).not.toThrow();
    expect(secretsEqual('x', 'dgen_secret_key')).toBe(false);
    expect(secretsEqual('', 'dgen_secret_key')).toBe(false);
    expect(secretsEqual('dgen_secret_key'.repeat(100), 'dgen_secret_key')).toBe(false);
    // Both sides reach timingSafeEqual as equal-length digests, whatever was sent.
    for (const [a, b] of vi.mocked(crypto.timingSafeEqual).mock.calls) {
      expect((a as Buffer).length).toBe((b as Buffer).length);
    }
  });
});
