import type { ServerResponse } from 'node:http';

/** Writes server-sent events to a raw response, waiting for 'drain' when the socket's buffer is full. */
export class SseWriter {
  readonly #raw: ServerResponse;

  constructor(raw: ServerResponse) {
    this.#raw = raw;
    // A client that goes away mid-write must not become an unhandled 'error' event.
    raw.on('error', () => {});
  }

  /** True once the client has gone away or the stream was ended. */
  get closed(): boolean {
    return this.#raw.destroyed || this.#raw.writableEnded;
  }

  /** Sends one `data:` event; resolves false when the client is gone. */
  async data(payload: string): Promise<boolean> {
    if (this.closed) return false;
    if (!this.#raw.write(`data: ${payload}\n\n`)) await this.#drained();
    return !this.closed;
  }

  end(): void {
    if (!this.closed) this.#raw.end();
  }

  #drained(): Promise<void> {
    const raw = this.#raw;
    return new Promise((resolve) => {
      const done = () => {
        raw.off('drain', done);
        raw.off('close', done);
        resolve();
      };
      raw.on('drain', done);
      raw.on('close', done);
    });
  }
}
