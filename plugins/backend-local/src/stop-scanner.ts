/**
 * Finds stop sequences in streamed text: text is released once no stop sequence can start in it,
 * so a client never sees part of a stop sequence, even one split across pieces.
 */
export class StopScanner {
  private pending = '';
  /** The stop sequence that ended the text, once one appeared. */
  stoppedBy: string | undefined;

  constructor(private readonly stops: readonly string[]) {}

  /** The text safe to release after `text`; empty once stopped. */
  push(text: string): string {
    if (this.stoppedBy !== undefined) return '';
    this.pending += text;
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.pending.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) {
        cut = at;
        this.stoppedBy = stop;
      }
    }
    if (cut >= 0) {
      const out = this.pending.slice(0, cut);
      this.pending = '';
      return out;
    }
    const keep = this.heldBack();
    const out = this.pending.slice(0, this.pending.length - keep);
    this.pending = this.pending.slice(this.pending.length - keep);
    return out;
  }

  /** What is still held back, once the text has ended. */
  flush(): string {
    const out = this.stoppedBy === undefined ? this.pending : '';
    this.pending = '';
    return out;
  }

  /** Length of the longest end of the pending text that begins some stop sequence. */
  private heldBack(): number {
    let longest = 0;
    for (const stop of this.stops)
      for (let n = Math.min(stop.length - 1, this.pending.length); n > longest; n--)
        if (this.pending.endsWith(stop.slice(0, n))) {
          longest = n;
          break;
        }
    return longest;
  }
}
