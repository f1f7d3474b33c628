import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { slicesOf } from './token-count.js';
import { countPromptTokens, countTokens, loadTokenizer } from './usage.js';

/** The longest event-loop stall (ms) while `work` runs. */
async function maxStallMs(work: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  return histogram.max / 1e6;
}

describe('bounded token counting', () => {
  it('counts ordinary text exactly as the encoder does', async () => {
    const { encoder } = await loadTokenizer();
    const text = 'The quick brown fox jumps over the lazy dog. Ünïcødé 模型 and 12345 numbers!\n';
    expect(await countTokens(text)).toBe(encoder.encode(text, [], []).length);
  });

  it('slices pieces by UTF-8 bytes without splitting a code point', () => {
    expect([...slicesOf('aaaaa', 2)]).toEqual(['aa', 'aa', 'a']);
    expect([...slicesOf('模型😀', 4)]).toEqual(['模', '型', '😀']);
  });

  it('extrapolates past the exact budget instead of encoding everything', async () => {
    const limits = { exactChars: 1000, maxSliceBytes: 16, yieldEveryChars: 256 };
    const exact = await countTokens('word '.repeat(200), limits);
    expect(await countTokens('word '.repeat(2000), limits)).toBe(exact * 10);
  });

  // Regression: a 20 KB run of one character froze the event loop for 52 s (js-tiktoken is quadratic per piece).
  it('never stalls the event loop on long runs of one character or of random letters', async () => {
    await loadTokenizer();
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const random = Array.from({ length: 300_000 }, (_, i) => letters[(i * 7919) % 26]).join('');
    const stall = await maxStallMs(async () => {
      expect(await countTokens('a'.repeat(500_000))).toBeGreaterThan(50_000);
      expect(await countPromptTokens([{ role: 'user', content: random }])).toBeGreaterThan(30_000);
      expect(await countTokens('模'.repeat(200_000))).toBeGreaterThan(20_000);
    });
    expect(stall).toBeLessThan(1000);
  }, 60_000);
});
