import type { Tiktoken } from 'js-tiktoken/lite';

/** An encoder and the pre-tokenizer pattern it splits text with (BPE merges never cross its pieces). */
export interface Tokenizer {
  encoder: Tiktoken;
  pattern: string;
}

export interface TokenCountLimits {
  /** Characters encoded exactly per estimate; the rest is extrapolated at the ratio seen so far. */
  exactChars: number;
  /** Longest slice (in UTF-8 bytes) handed to the BPE, whose merge is cubic in a piece's length. */
  maxSliceBytes: number;
  /** Characters encoded between two yields to the event loop. */
  yieldEveryChars: number;
}

export const defaultTokenCountLimits: TokenCountLimits = {
  exactChars: 32_768,
  maxSliceBytes: 16,
  yieldEveryChars: 2_048,
};

/** OpenAI's rule of thumb for `chars` characters no encoder looked at: about four characters per token. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/**
 * The parts of `texts` a BoundedTokenCounter would encode (the first `exactChars` characters, in order)
 * and how many characters it would extrapolate: lets a caller hand over bounded input only.
 */
export function exactParts(
  texts: readonly string[],
  exactChars: number,
): { texts: string[]; extrapolatedChars: number } {
  let budget = exactChars;
  let extrapolatedChars = 0;
  const parts: string[] = [];
  for (const text of texts) {
    const part = text.length <= budget ? text : text.slice(0, Math.max(0, budget));
    budget -= part.length;
    extrapolatedChars += text.length - part.length;
    parts.push(part);
  }
  return { texts: parts, extrapolatedChars };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  return codePoint < 0x10000 ? 3 : 4;
}

/** A piece cut into slices of at most `maxBytes` UTF-8 bytes, never inside a code point. */
export function* slicesOf(piece: string, maxBytes: number): Generator<string> {
  let start = 0;
  let bytes = 0;
  let index = 0;
  for (const char of piece) {
    const size = utf8Length(char.codePointAt(0) ?? 0);
    if (bytes + size > maxBytes && index > start) {
      yield piece.slice(start, index);
      start = index;
      bytes = 0;
    }
    bytes += size;
    index += char.length;
  }
  if (index > start) yield piece.slice(start, index);
}

/**
 * Counts tokens of several texts in bounded time for any input: each pre-tokenizer piece is encoded in
 * slices of `maxSliceBytes` (memoized), at most `exactChars` characters are encoded, the rest is
 * extrapolated, and the event loop gets a turn every `yieldEveryChars`.
 */
export class BoundedTokenCounter {
  private readonly memo = new Map<string, number>();
  private readonly splitter: RegExp;
  private readonly tokenizer: Tokenizer;
  private readonly limits: TokenCountLimits;
  private exactChars = 0;
  private exactTokens = 0;
  private extrapolatedChars = 0;
  private sinceYield = 0;

  // No parameter properties: the tokenizer thread loads this file with Node's type stripping in tests.
  constructor(tokenizer: Tokenizer, limits: TokenCountLimits = defaultTokenCountLimits) {
    this.tokenizer = tokenizer;
    this.limits = limits;
    this.splitter = new RegExp(tokenizer.pattern, 'gu');
  }

  /** Adds a text; resolves once its exact part is encoded. */
  async add(text: string): Promise<void> {
    const budget = this.limits.exactChars - this.exactChars;
    const exactPart = text.length <= budget ? text : text.slice(0, Math.max(0, budget));
    this.extrapolatedChars += text.length - exactPart.length;
    this.splitter.lastIndex = 0;
    for (const [piece] of exactPart.matchAll(this.splitter)) {
      for (const slice of slicesOf(piece, this.limits.maxSliceBytes)) {
        this.exactTokens += this.encodeSlice(slice);
        this.sinceYield += slice.length;
      }
      if (this.sinceYield >= this.limits.yieldEveryChars) {
        this.sinceYield = 0;
        await yieldToEventLoop();
      }
    }
    this.exactChars += exactPart.length;
  }

  /** Adds `chars` characters known only by their number (cut off by exactParts): they are extrapolated. */
  addUncounted(chars: number): void {
    this.extrapolatedChars += chars;
  }

  /** Tokens of everything added: exact for the encoded part, extrapolated for the rest. */
  total(): number {
    if (this.exactChars === 0) return estimateTokens(this.extrapolatedChars);
    return this.exactTokens + Math.ceil(this.extrapolatedChars * (this.exactTokens / this.exactChars));
  }

  private encodeSlice(slice: string): number {
    const known = this.memo.get(slice);
    if (known !== undefined) return known;
    const count = this.tokenizer.encoder.encode(slice, [], []).length;
    this.memo.set(slice, count);
    return count;
  }
}
