import { describe, expect, it } from 'vitest';
import { JsonDepthScanner } from './json-depth-scanner.js';

/** Scans `text` in chunks of `size` bytes; false when some chunk went past the limit. */
function fits(text: string, maxDepth: number, size = Number.MAX_SAFE_INTEGER): boolean {
  const scanner = new JsonDepthScanner(maxDepth);
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) {
    if (!scanner.scan(bytes.subarray(at, at + size))) return false;
  }
  return true;
}

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('JsonDepthScanner', () => {
  it('accepts nesting up to the limit and refuses one level more, objects and arrays alike', () => {
    expect(fits(nested(3), 3)).toBe(true);
    expect(fits(nested(4), 3)).toBe(false);
    expect(fits('[[[1]]]', 3)).toBe(true);
    expect(fits('[[[[1]]]]', 3)).toBe(false);
    expect(fits('[{"a":[{}]}]', 3)).toBe(false);
  });

  it('counts depth, not brackets: many siblings at a shallow level pass', () => {
    const wide = JSON.stringify({
      messages: Array.from({ length: 500 }, (_, i) => ({ role: 'user', n: [i] })),
    });
    expect(fits(wide, 4)).toBe(true);
    expect(fits(wide, 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ content: `${'[{'.repeat(100)} "quoted" \\ ${'}]'.repeat(100)}` });
    expect(fits(text, 1)).toBe(true);
    // An escaped quote does not end the string, so the brackets after it are still text.
    expect(fits('{"a":"x\\"[[[[[["}', 1)).toBe(true);
    // An escaped backslash does: the bracket after the closing quote counts.
    expect(fits('{"a":"x\\\\",[[[]]]}', 2)).toBe(false);
  });

  it('gives the same answer whatever the chunk boundaries (escapes split across chunks)', () => {
    const cases = [
      '{"a":"x\\"[[[[[["}',
      '{"a":"x\\\\",[[[]]]}',
      JSON.stringify({ s: 'é ü 🙂 \\"[[[', deep: [[[['x']]]] }),
      nested(40),
    ];
    for (const text of cases) {
      for (const max of [1, 2, 4, 39, 40]) {
        const whole = fits(text, max);
        for (const size of [1, 2, 3, 7])
          expect(fits(text, max, size), `${text} max ${max} size ${size}`).toBe(whole);
      }
    }
  });

  it('refuses a 10,000-deep body without overflowing the stack', () => {
    expect(fits('['.repeat(10_000) + ']'.repeat(10_000), 64)).toBe(false);
    expect(fits(nested(10_000), 64, 1024)).toBe(false);
  });
});
