/** The HTTP core both simulators share: recording, fault injection, latency, streaming, abort tracking. */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Fault, FaultQueue } from './fault.js';
import type { SimulatedReply } from './reply.js';

/** A request body as simulators see it; `reply` functions receive it. */
export interface SimRequestBody {
  model?: string;
  messages?: Array<{ role: string; content: unknown }>;
  /** Ollama `/api/generate`. */
  prompt?: string;
  [field: string]: unknown;
}

export interface SimulatorOptions {
  /** Delay before every response (or its first chunk). */
  latencyMs?: number;
  /** Delay between streamed chunks. */
  chunkDelayMs?: number;
  /** Models served by the model list; when given, requests for other models get a 404. */
  models?: string[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** The reply text for a request (default: `Echo: ` and the last user message). */
  reply?: (body: SimRequestBody) => string;
  /** Send no `usage` at all, as some OpenAI-compatible upstreams do (the gateway must estimate it). */
  omitUsage?: boolean;
  /** OpenAI embeddings as float arrays even when base64 is asked for, as several self-hosted servers answer. */
  embeddingsAsFloats?: boolean;
}

/** A built-in simulator's wire, or `custom` for one a plugin author builds with `startSimulator`. */
export type SimulatorKind = 'openai' | 'ollama' | 'anthropic' | 'custom';

export interface RecordedRequest {
  /** 1-based, in arrival order. */
  id: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path and query string. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  rawBody: string;
  /** The fault applied to this request, if any. */
  fault?: Fault;
  /** Status the simulator answered with (once it did). */
  status?: number;
  /** Whether the simulator answered with a stream. */
  stream: boolean;
  /** The reply the simulator sent (or started sending) for chat/generate requests. */
  reply?: SimulatedReply;
  /** Chunks (SSE events, NDJSON lines) written so far. */
  chunks: number;
  /** The response was sent in full. */
  completed: boolean;
  /** The client went away before the response ended. */
  aborted: boolean;
  /** The simulator cut the connection (a `dropAfterChunks` fault, or `close()` with the request open). */
  dropped: boolean;
  /** The simulator ended a stream cleanly before its last chunks (an `endAfterChunks` fault). */
  endedEarly?: boolean;
  startedAt: number;
  endedAt?: number;
}

export interface Simulator {
  readonly kind: SimulatorKind;
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Every request seen since start (or the last `reset()`), in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Requests whose response has not ended yet. */
  readonly inFlight: number;
  /** Requests the client abandoned before the response ended. */
  readonly aborted: number;
  /** Faults still queued (counting each remaining use). */
  readonly pendingFaults: number;
  /** Queues a fault for the next matching request(s). */
  inject(fault: Fault): void;
  /** The last recorded request (optionally the last whose path contains `path`). */
  lastRequest(path?: string): RecordedRequest | undefined;
  /** Resolves once `predicate` holds (polled), rejects after `timeoutMs` (default 5000). */
  waitFor(predicate: (sim: Simulator) => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets recorded requests, queued faults and counters. */
  reset(): void;
  /** Stops listening and destroys every open connection, hung ones included. */
  close(): Promise<void>;
}

/** One request being served: what handlers read and the ways they may answer. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly record: RecordedRequest;
  readonly method: string;
  readonly path: string;
  /** Parsed body, or undefined; `bodyInvalid` tells a non-JSON body apart from an empty one. */
  readonly body: unknown;
  readonly bodyInvalid: boolean;
  readonly options: SimulatorOptions;
  /** Fires when the connection goes away (client abort, drop, close). */
  readonly signal: AbortSignal;
  readonly requestId: string;
  sendJson(status: number, body: unknown, headers?: Record<string, string>): void;
  sendText(status: number, text: string, contentType?: string, headers?: Record<string, string>): void;
  startStream(contentType: string, headers?: Record<string, string>): void;
  /** Writes one chunk (after `chunkDelayMs` from the second on); false once the stream should stop. */
  writeChunk(data: string): Promise<boolean>;
  endStream(): void;
}

export interface SimulatorDefinition {
  kind: SimulatorKind;
  /** The body of an error with this status in the upstream's format. */
  errorBody(status: number, message: string): unknown;
  /** Headers the upstream sends with an error of this status (a fault's own `headers` replace them). */
  errorHeaders?(status: number): Record<string, string> | undefined;
  handle(exchange: Exchange): Promise<void>;
}

const defaultStatusMessages: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  408: 'Request timed out',
  429: 'Rate limit reached, please try again later',
  500: 'The server had an error while processing your request. Sorry about that!',
  502: 'Bad gateway',
  503: 'The engine is currently overloaded, please try again later',
  504: 'Gateway timeout',
};

export function statusMessage(status: number): string {
  return defaultStatusMessages[status] ?? `HTTP ${status}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string): { body: unknown; invalid: boolean } {
  if (raw.trim() === '') return { body: undefined, invalid: false };
  try {
    return { body: JSON.parse(raw), invalid: false };
  } catch {
    return { body: raw, invalid: true };
  }
}

export async function startSimulator(
  definition: SimulatorDefinition,
  options: SimulatorOptions = {},
): Promise<Simulator> {
  let requests: RecordedRequest[] = [];
  let nextId = 1;
  let abortedCount = 0;
  let closing = false;
  const faults = new FaultQueue();
  const open = new Set<{ record: RecordedRequest; controller: AbortController }>();

  const server = createServer((req, res) => {
    void serve(req, res);
  });
  // Hung requests may stay open for as long as a test wants.
  server.requestTimeout = 0;
  server.headersTimeout = 0;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.split('?')[0] ?? '/';
    const record: RecordedRequest = {
      id: nextId++,
      method,
      path,
      url,
      headers: req.headers,
      body: undefined,
      rawBody: '',
      stream: false,
      chunks: 0,
      completed: false,
      aborted: false,
      dropped: false,
      startedAt: Date.now(),
    };
    requests.push(record);
    const controller = new AbortController();
    const entry = { record, controller };
    open.add(entry);
    res.on('finish', () => {
      record.completed = true;
    });
    res.on('close', () => {
      open.delete(entry);
      record.endedAt = Date.now();
      if (!res.writableFinished && !record.dropped) {
        record.aborted = true;
        abortedCount += 1;
      }
      controller.abort();
    });

    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      return;
    }
    const { body, invalid } = parseBody(raw);
    record.rawBody = raw;
    record.body = body;

    const fault = faults.take(method, path);
    if (fault) record.fault = fault;
    const exchange = createExchange({ req, res, record, method, path, body, invalid, controller, fault });

    const delay = fault?.latencyMs ?? options.latencyMs ?? 0;
    if (delay > 0) {
      try {
        await sleep(delay, undefined, { signal: controller.signal });
      } catch {
        return;
      }
    }
    if (controller.signal.aborted) return;
    if (fault?.hang) return;
    if (fault?.status !== undefined) {
      const errorBody = fault.body ?? definition.errorBody(fault.status, statusMessage(fault.status));
      const headers = fault.headers ?? definition.errorHeaders?.(fault.status);
      if (typeof errorBody === 'string') exchange.sendText(fault.status, errorBody, 'text/plain', headers);
      else exchange.sendJson(fault.status, errorBody, headers);
      return;
    }
    try {
      await definition.handle(exchange);
    } catch (error) {
      if (!res.headersSent) {
        exchange.sendJson(500, definition.errorBody(500, `simulator failure: ${String(error)}`));
      } else {
        res.destroy();
      }
    }
  }

  function createExchange(args: {
    req: IncomingMessage;
    res: ServerResponse;
    record: RecordedRequest;
    method: string;
    path: string;
    body: unknown;
    invalid: boolean;
    controller: AbortController;
    fault: Fault | undefined;
  }): Exchange {
    const { req, res, record, controller, fault } = args;
    const requestId = `req_${randomUUID().replaceAll('-', '')}`;
    const dropAfter = fault?.dropAfterChunks;
    const endAfter = fault?.endAfterChunks;

    // Settles when every byte written so far has been handed to the socket. Ending the socket any
    // earlier loses them on some Node releases (24.22+ drops a write made in the same tick as end()).
    let flushed: Promise<void> = Promise.resolve();
    const write = (data: string | Uint8Array): boolean => {
      let ok = true;
      flushed = new Promise<void>((resolve) => {
        ok = res.write(data, () => resolve());
      });
      return ok;
    };
    const endEarly = () => {
      record.endedEarly = true;
      res.end();
    };
    const drop = () => {
      record.dropped = true;
      // Let the chunks already written reach the client, then cut the connection without ending the body.
      void flushed.then(() => {
        const socket = res.socket;
        if (socket && !socket.destroyed) socket.end(() => socket.destroy());
        else res.destroy();
      });
    };
    const send = (status: number, payload: string, contentType: string, headers?: Record<string, string>) => {
      if (res.headersSent || res.destroyed) return;
      record.status = status;
      const data = Buffer.from(payload);
      res.writeHead(status, {
        'content-type': contentType,
        'content-length': String(data.length),
        'x-request-id': requestId,
        ...headers,
      });
      if (dropAfter !== undefined) {
        write(data.subarray(0, Math.floor(data.length / 2)));
        drop();
        return;
      }
      res.end(data);
    };

    return {
      req,
      res,
      record,
      method: args.method,
      path: args.path,
      body: args.body,
      bodyInvalid: args.invalid,
      options,
      signal: controller.signal,
      requestId,
      sendJson(status, body, headers) {
        send(status, JSON.stringify(body), 'application/json', headers);
      },
      sendText(status, text, contentType = 'text/plain; charset=utf-8', headers) {
        send(status, text, contentType, headers);
      },
      startStream(contentType, headers) {
        record.status = 200;
        record.stream = true;
        res.writeHead(200, {
          'content-type': contentType,
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-request-id': requestId,
          ...headers,
        });
        res.flushHeaders();
        if (dropAfter !== undefined && dropAfter <= 0) drop();
        else if (endAfter !== undefined && endAfter <= 0) endEarly();
      },
      async writeChunk(data) {
        if (controller.signal.aborted || res.destroyed || record.dropped || record.endedEarly) return false;
        if (endAfter !== undefined && record.chunks >= endAfter) {
          endEarly();
          return false;
        }
        if (dropAfter !== undefined && record.chunks >= dropAfter) {
          drop();
          return false;
        }
        const delay = options.chunkDelayMs ?? 0;
        if (record.chunks > 0 && delay > 0) {
          try {
            await sleep(delay, undefined, { signal: controller.signal });
          } catch {
            return false;
          }
        }
        if (res.destroyed) return false;
        record.chunks += 1;
        if (!write(data)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        }
        return !res.destroyed;
      },
      endStream() {
        if (res.destroyed || record.dropped || record.endedEarly) return;
        if (dropAfter !== undefined) drop();
        else res.end();
      },
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const simulator: Simulator = {
    kind: definition.kind,
    url,
    port,
    get requests() {
      return requests;
    },
    get inFlight() {
      return open.size;
    },
    get aborted() {
      return abortedCount;
    },
    get pendingFaults() {
      return faults.size;
    },
    inject(fault) {
      faults.add(fault);
    },
    lastRequest(path) {
      for (let i = requests.length - 1; i >= 0; i--) {
        const request = requests[i]!;
        if (path === undefined || request.path.includes(path)) return request;
      }
      return undefined;
    },
    async waitFor(predicate, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(simulator)) {
        if (Date.now() > until) throw new Error(`simulator condition not met within ${timeoutMs} ms`);
        await sleep(10);
      }
    },
    reset() {
      requests = [];
      abortedCount = 0;
      faults.clear();
    },
    async close() {
      if (closing) return;
      closing = true;
      for (const { record, controller } of open) {
        record.dropped = true;
        controller.abort();
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  return simulator;
}
