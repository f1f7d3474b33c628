import type { ServerResponse } from 'node:http';

/**
 * Writes server-sent events to a raw response, waiting for 'drain' when the socket's buffer is full.
 * Events given in one turn of the event loop (the parts of one upstream read) leave in one write at its
 * check phase: one chunked-encoding frame instead of one per event, with no added wait.
 */
export class SseWriter {
  readonly #raw: ServerResponse;
  #pending = '';
  #scheduled = false;

  constructor(raw: ServerResponse) {
    this.#raw = raw;
    // A client that goes away mid-write must not become an unhandled 'error' event.
    raw.on('error', () => {});
  }

  /** True once the client has gone away or the stream was ended. */
  get closed(): boolean {
    return this.#raw.destroyed || this.#raw.writableEnded;
  }

  /** Queues one `data:` event; resolves false when the client is gone, after 'drain' if the socket is full. */
  data(payload: string): Promise<boolean> {
    return this.#queue(`data: ${payload}\n\n`);
  }

  /** Queues one named event (`event:` then `data:`, as Anthropic's and the Responses API's streams send them). */
  event(name: string, payload: string): Promise<boolean> {
    return this.#queue(`event: ${name}\ndata: ${payload}\n\n`);
  }

  /**
   * Writes bytes that are already whole events (a relayed upstream's, as they came), after anything queued;
   * resolves false when the client is gone, after 'drain' if the socket is full.
   */
  async relay(bytes: Uint8Array | string): Promise<boolean> {
    if (this.closed) return false;
    this.#flush();
    this.#raw.write(bytes);
    if (this.#raw.writableNeedDrain) await this.#drained();
    return !this.closed;
  }

  async #queue(text: string): Promise<boolean> {
    if (this.closed) return false;
    this.#pending += text;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
    if (this.#raw.writableNeedDrain) await this.#drained();
    return !this.closed;
  }

  /** Writes what is queued, then ends the response. */
  end(): void {
    this.#flush();
    if (!this.closed) this.#raw.end();
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const text = this.#pending;
    this.#pending = '';
    if (text !== '' && !this.closed) this.#raw.write(text);
  };

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
