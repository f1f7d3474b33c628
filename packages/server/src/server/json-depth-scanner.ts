/**
 * Tracks the nesting depth of JSON text as its bytes arrive, without parsing it: brackets outside
 * strings open and close levels, a backslash escapes the next byte inside a string. UTF-8 continuation
 * bytes are all >= 0x80, so a byte-wise scan never mistakes part of a character for a bracket or quote.
 * Constant state and no recursion, so it cannot overflow on the very input it guards against.
 *
 * Most bodies open fewer brackets in all than the limit allows, and then none can be too deep: until
 * that count passes the limit, only `{` and `[` are counted (native `indexOf`, a fraction of a JSON
 * parse). Past it, the bytes seen so far are scanned exactly and every later byte too.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

export class JsonDepthScanner {
  readonly maxDepth: number;
  /** Brackets opened so far, strings included: an upper bound of the depth. */
  #opened = 0;
  /** Chunks counted but not yet scanned exactly; undefined once scanning exactly. */
  #pending: Uint8Array[] | undefined = [];
  #depth = 0;
  #inString = false;
  /** The previous chunk ended inside a string on an unpaired backslash: this chunk's first byte is escaped. */
  #escaped = false;

  constructor(maxDepth: number) {
    this.maxDepth = maxDepth;
  }

  /** Scans the next chunk; false as soon as the text opens more than `maxDepth` levels. */
  scan(chunk: Uint8Array): boolean {
    const pending = this.#pending;
    if (pending === undefined) return this.#scanExactly(chunk);
    this.#opened += countByte(chunk, OPEN_BRACE) + countByte(chunk, OPEN_BRACKET);
    pending.push(chunk);
    if (this.#opened <= this.maxDepth) return true;
    this.#pending = undefined;
    return pending.every((seen) => this.#scanExactly(seen));
  }

  #scanExactly(chunk: Uint8Array): boolean {
    const length = chunk.length;
    let i = 0;
    if (this.#escaped && length > 0) {
      this.#escaped = false;
      i = 1;
    }
    while (i < length) {
      if (this.#inString) {
        i = this.#skipString(chunk, i);
        continue;
      }
      const byte = chunk[i]!;
      if (byte === QUOTE) this.#inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        if (++this.#depth > this.maxDepth) return false;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) this.#depth--;
      i++;
    }
    return true;
  }

  /** From inside a string at `from`: the index just past its closing quote, or the chunk's end. */
  #skipString(chunk: Uint8Array, from: number): number {
    const quote = chunk.indexOf(QUOTE, from);
    const end = quote < 0 ? chunk.length : quote;
    let backslashes = 0;
    while (end - backslashes - 1 >= from && chunk[end - backslashes - 1] === BACKSLASH) backslashes++;
    const odd = backslashes % 2 === 1;
    if (quote < 0) {
      this.#escaped = odd;
      return chunk.length;
    }
    // An odd run of backslashes escapes the quote: the string goes on.
    if (!odd) this.#inString = false;
    return quote + 1;
  }
}

function countByte(chunk: Uint8Array, byte: number): number {
  let count = 0;
  for (let at = chunk.indexOf(byte); at >= 0; at = chunk.indexOf(byte, at + 1)) count++;
  return count;
}
