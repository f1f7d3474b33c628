/** Pieces pushed from callbacks, read in order by one async consumer that waits while it is empty. */
export class TextQueue {
  private readonly pieces: string[] = [];
  private wake: (() => void) | undefined;

  push(piece: string): void {
    this.pieces.push(piece);
    this.notify();
  }

  /** Wakes the consumer without a piece (the producer finished or the call was aborted). */
  notify(): void {
    this.wake?.();
    this.wake = undefined;
  }

  take(): string[] {
    return this.pieces.splice(0);
  }

  /** Resolves at the next push or notify. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }
}
