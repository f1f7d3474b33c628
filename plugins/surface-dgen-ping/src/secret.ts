import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two secrets; hashing first makes the lengths equal, so length leaks nothing either. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
