/**
 * A lean `fetch` for Stainless-generated SDK clients (openai, groq-sdk): their `fetch` option, served
 * by undici's `request` on a keep-alive connection pool instead of the WHATWG fetch machinery
 * (Request/Response objects, web streams, header validation), which cost about as much CPU per
 * upstream call as the rest of the gateway. The SDK still builds the request, checks the status,
 * maps errors and parses JSON and SSE; only the transport changes.
 */
import { Agent, type Dispatcher, request } from 'undici';

/** What a Stainless SDK accepts as its `fetch` option. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

type RawHeaders = Record<string, string | string[] | undefined>;

/** The read side of `Headers` over undici's lower-cased header object (what the SDKs call). */
class ResponseHeaders {
  readonly #raw: RawHeaders;

  constructor(raw: RawHeaders) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    const value = this.#raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.#raw[name.toLowerCase()] !== undefined;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.#raw)) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, name: string, headers: ResponseHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** The parts of `Response` the SDKs use; the body is undici's Node stream (async-iterable bytes). */
class UpstreamResponse {
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = 'basic';
  readonly headers: ResponseHeaders;
  readonly body: Dispatcher.ResponseData['body'];

  constructor(url: string, data: Dispatcher.ResponseData) {
    this.url = url;
    this.status = data.statusCode;
    this.statusText = data.statusText;
    this.ok = data.statusCode >= 200 && data.statusCode < 300;
    this.headers = new ResponseHeaders(data.headers);
    this.body = data.body;
  }

  get bodyUsed(): boolean {
    return this.body.bodyUsed;
  }

  json(): Promise<unknown> {
    return this.body.json();
  }

  text(): Promise<string> {
    return this.body.text();
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.body.arrayBuffer();
  }
}

/** Request headers as undici's flat `[name, value, ...]` list, from a `Headers`, pairs or a record. */
function flatHeaders(headers: RequestInit['headers']): string[] {
  const flat: string[] = [];
  if (!headers) return flat;
  const add = (name: string, value: unknown) => {
    if (value !== undefined && value !== null) flat.push(name, String(value));
  };
  if (typeof (headers as Headers).forEach === 'function' && !Array.isArray(headers)) {
    (headers as Headers).forEach((value, name) => {
      add(name, value);
    });
  } else if (Array.isArray(headers)) {
    for (const [name, value] of headers as [string, string][]) add(name, value);
  } else {
    for (const [name, value] of Object.entries(headers)) add(name, value);
  }
  return flat;
}

function isPlainBody(body: RequestInit['body']): body is string | Uint8Array | null | undefined {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
}

export interface UpstreamFetchOptions {
  /** The connection pool (default: one shared keep-alive Agent for every upstream). */
  dispatcher?: Dispatcher;
}

let sharedAgent: Agent | undefined;

/** The pool every lean fetch without its own dispatcher uses; made on first use. */
function shared(): Agent {
  sharedAgent ??= new Agent();
  return sharedAgent;
}

/**
 * A `fetch` for an SDK client's `fetch` option. Requests it cannot serve as well as fetch would
 * (a `Request` object, a stream or form body) go to the global fetch. Unlike fetch it does not
 * follow redirects or ask for compressed answers (API upstreams send neither).
 */
export function createUpstreamFetch(options: UpstreamFetchOptions = {}): FetchLike {
  return async (input, init = {}) => {
    if (typeof input !== 'string' && !(input instanceof URL)) return globalThis.fetch(input, init);
    if (!isPlainBody(init.body)) return globalThis.fetch(input, init);
    const url = typeof input === 'string' ? input : input.href;
    // Created on first use: a gateway whose backends never call out holds no pool.
    const dispatcher = options.dispatcher ?? shared();
    const data = await request(url, {
      method: (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
      headers: flatHeaders(init.headers),
      body: init.body ?? null,
      signal: init.signal ?? undefined,
      dispatcher,
    });
    return new UpstreamResponse(url, data) as unknown as Response;
  };
}

/** The shared lean fetch, for SDK clients' `fetch` option. */
export const upstreamFetch: FetchLike = createUpstreamFetch();
