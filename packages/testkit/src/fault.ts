/** Faults a simulator injects into the requests it serves, consumed in order. */

export interface Fault {
  /** Answer with this status instead (with `body`, or the simulator's usual error body for it). */
  status?: number;
  /** The error body: an object is sent as JSON, a string as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Accept the request and never answer, until the client gives up or the simulator closes. */
  hang?: boolean;
  /** Send this many chunks (SSE events, NDJSON lines) of a streamed answer, then destroy the socket. */
  dropAfterChunks?: number;
  /**
   * Send this many chunks of a streamed answer, then end the response cleanly without the rest (no final
   * line, no finish): a truncated stream that looks complete on the wire, which a backend must still catch.
   */
  endAfterChunks?: number;
  /** Wait this long before answering (instead of the simulator's `latencyMs`). */
  latencyMs?: number;
  /** How many matching requests this fault applies to (default 1). */
  times?: number;
  /** Only requests whose path contains this string (or matches this RegExp). */
  path?: string | RegExp;
  /** Only requests with this method (e.g. `POST`). */
  method?: string;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
}

export class FaultQueue {
  private queue: QueuedFault[] = [];

  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new TypeError(`fault.times must be a positive integer`);
    this.queue.push({ fault, remaining: times });
  }

  /** Takes the first fault that matches the request (one use of it), if any. */
  take(method: string, path: string): Fault | undefined {
    const index = this.queue.findIndex(({ fault }) => matches(fault, method, path));
    if (index < 0) return undefined;
    const entry = this.queue[index]!;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.queue.splice(index, 1);
    return entry.fault;
  }

  get size(): number {
    return this.queue.reduce((sum, entry) => sum + entry.remaining, 0);
  }

  clear(): void {
    this.queue = [];
  }
}

function matches(fault: Fault, method: string, path: string): boolean {
  if (fault.method && fault.method.toUpperCase() !== method.toUpperCase()) return false;
  if (fault.path === undefined) return true;
  return typeof fault.path === 'string' ? path.includes(fault.path) : fault.path.test(path);
}
