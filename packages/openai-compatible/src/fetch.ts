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

  /** An array's iterator, not a generator: the SDK spreads every response's headers once per call. */
  entries(): IterableIterator<[string, string]> {
    const pairs: [string, string][] = [];
    for (const name in this.#raw) {
      const value = this.#raw[name];
      if (value !== undefined) pairs.push([name, Array.isArray(value) ? value.join(', ') : value]);
    }
    return pairs[Symbol.iterator]();
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

/**
 * An SDK request's headers as one flat `[name, value, ...]` list (lower-case names), what
 * `withLeanRequestHeaders` gives the SDK instead of a WHATWG `Headers`. It has the `Headers` methods
 * the SDK and `fetch` use and iterates as `[name, value]` pairs; it has no enumerable own properties,
 * so the SDK's debug-log formatting (computed for every request even with its logger off) copies none.
 */
export class RequestHeaders {
  readonly #flat: string[];

  constructor(flat: string[]) {
    this.#flat = flat;
  }

  /** The list itself (undici's request takes it as it is). */
  toFlat(): string[] {
    return this.#flat;
  }

  #index(name: string): number {
    const lower = name.toLowerCase();
    for (let i = 0; i < this.#flat.length; i += 2) if (this.#flat[i] === lower) return i;
    return -1;
  }

  get(name: string): string | null {
    const i = this.#index(name);
    return i === -1 ? null : (this.#flat[i + 1] as string);
  }

  has(name: string): boolean {
    return this.#index(name) !== -1;
  }

  set(name: string, value: string): void {
    removeHeader(this.#flat, name.toLowerCase());
    this.#flat.push(name.toLowerCase(), String(value));
  }

  delete(name: string): void {
    removeHeader(this.#flat, name.toLowerCase());
  }

  forEach(callback: (value: string, name: string, headers: RequestHeaders) => void): void {
    for (let i = 0; i < this.#flat.length; i += 2)
      callback(this.#flat[i + 1] as string, this.#flat[i] as string, this);
  }

  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.#flat.length; i += 2)
      yield [this.#flat[i] as string, this.#flat[i + 1] as string];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

function removeHeader(flat: string[], lower: string): void {
  for (let i = flat.length - 2; i >= 0; i -= 2) if (flat[i] === lower) flat.splice(i, 2);
}

/** Request headers as undici's flat `[name, value, ...]` list, from a `Headers`, pairs or a record. */
function flatHeaders(headers: RequestInit['headers'] | RequestHeaders): string[] {
  if (headers instanceof RequestHeaders) return headers.toFlat();
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
  const fetch: FetchLike = async (input, init = {}) => {
    if (typeof input !== 'string' && !(input instanceof URL)) return globalThis.fetch(input, init);
    if (!isPlainBody(init.body)) return globalThis.fetch(input, init);
    const url = typeof input === 'string' ? input : input.href;
    // Created on first use: a gateway whose backends never call out holds no pool.
    const dispatcher = options.dispatcher ?? shared();
    const headersTimeout = (init as TimedInit)[headersTimeoutKey];
    const data = await request(url, {
      method: (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
      headers: flatHeaders(init.headers as RequestInit['headers'] | RequestHeaders),
      body: init.body ?? null,
      signal: init.signal ?? undefined,
      dispatcher,
      ...(headersTimeout === undefined ? {} : { headersTimeout }),
    });
    return new UpstreamResponse(url, data) as unknown as Response;
  };
  if (!options.dispatcher) leanFetches.add(fetch);
  return fetch;
}

/** The SDK's timeout for one request, handed to the lean fetch by `withoutSdkTimer`'s fetchWithTimeout. */
const headersTimeoutKey = Symbol('llm-gateway.headersTimeout');
type TimedInit = RequestInit & { [headersTimeoutKey]?: number };
/** Lean fetches on the shared pool, whose own headers timeout (undici's default) is known. */
const leanFetches = new WeakSet<FetchLike>();
/** undici's default headersTimeout (the shared Agent keeps it): a longer SDK timeout never fired first. */
const undiciHeadersTimeoutMs = 300_000;

/** The shared lean fetch, for SDK clients' `fetch` option. */
export const upstreamFetch: FetchLike = createUpstreamFetch();

/** The SDK internals `withLeanRequestHeaders` reads (Stainless clients: openai, groq-sdk). */
interface StainlessHeaderInternals {
  buildHeaders(args: BuildHeadersArgs): Promise<Headers | RequestHeaders>;
  apiKey?: unknown;
  adminAPIKey?: unknown;
  idempotencyHeader?: string;
  _provider?: unknown;
  _workloadIdentityAuth?: unknown;
}

interface BuildHeadersArgs {
  options: {
    headers?: unknown;
    timeout?: number;
    idempotencyKey?: string;
    __security?: { bearerAuth?: unknown; adminAPIKeyAuth?: unknown };
  };
  method: string;
  bodyHeaders: unknown;
  retryCount: number;
}

const headerToken = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Adds a plain record of headers to `flat` as the SDK's `buildHeaders` does (a later source replaces
 * a name, null removes it, undefined is skipped); false when the record holds anything else (arrays,
 * invalid names, `authorization`): the caller then lets the SDK build the headers itself.
 */
function mergeRecord(flat: string[], record: Record<string, unknown> | undefined): boolean {
  if (record === undefined) return true;
  for (const name in record) {
    const value = record[name];
    if (value === undefined) continue;
    if (!headerToken.test(name)) return false;
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'api-key') return false;
    if (
      value !== null &&
      typeof value !== 'string' &&
      typeof value !== 'number' &&
      typeof value !== 'boolean'
    )
      return false;
    removeHeader(flat, lower);
    if (value !== null) flat.push(lower, String(value));
  }
  return true;
}

/** The SDK's per-operation auth schemes: none, or a record of its two boolean flags. */
function knownSecurity(security: unknown): boolean {
  if (security === undefined) return true;
  if (!isPlainRecord(security)) return false;
  for (const name in security) {
    if (name !== 'bearerAuth' && name !== 'adminAPIKeyAuth') return false;
    if (typeof security[name] !== 'boolean' && security[name] !== undefined) return false;
  }
  return true;
}

/** The SDK's constant headers for one combination of the inputs they depend on. */
interface HeaderSet {
  method: string;
  retryCount: number;
  timeout: number | undefined;
  bearer: unknown;
  admin: unknown;
  apiKey: unknown;
  adminKey: unknown;
  base: string[];
  /** `base` with the JSON body's content type merged in, made on first use. */
  json: string[] | undefined;
}

/** The body headers the SDK's encoder gives a JSON body: exactly `content-type: application/json`. */
function isJsonBodyHeaders(headers: unknown): headers is Record<string, unknown> {
  if (!isPlainRecord(headers) || headers['content-type'] !== 'application/json') return false;
  for (const name in headers) if (name !== 'content-type') return false;
  return true;
}

/** Distinct constant header sets kept per client (method, retry count, timeout, API key). */
const maxCachedHeaderSets = 8;

/**
 * Makes a Stainless SDK client (openai, groq-sdk) build each request's headers from a list made once:
 * the SDK's own `buildHeaders` output for the parts that do not change between requests (User-Agent,
 * X-Stainless-*, Authorization, default headers; per method, retry count, timeout and API key), plus
 * the request's body headers and extra headers (trace context), merged as the SDK merges them. The
 * SDK otherwise builds four WHATWG `Headers` and validates every name per request, and formats them
 * again for a debug log that is off (about a quarter of the gateway's allocations per request). Any
 * request this does not cover (an idempotency header, a provider or workload-identity auth, extra
 * headers that are not a plain record of strings or that set the credentials) takes the SDK's path.
 * The SDK is not changed; this wraps one method of this client instance.
 */
export function withLeanRequestHeaders<C extends object>(client: C): C {
  const sdk = client as unknown as StainlessHeaderInternals;
  const original = sdk.buildHeaders;
  if (typeof original !== 'function') return client;
  const sets = new Map<string, HeaderSet>();
  /** The set the previous request used: the next one almost always has the same inputs. */
  let last: HeaderSet | undefined;
  sdk.buildHeaders = async function leanBuildHeaders(this: StainlessHeaderInternals, args) {
    const { options, method, bodyHeaders, retryCount } = args;
    if (
      this.idempotencyHeader ||
      this._provider ||
      this._workloadIdentityAuth ||
      !knownSecurity(options.__security) ||
      (bodyHeaders !== undefined && !isPlainRecord(bodyHeaders)) ||
      (options.headers !== undefined && !isPlainRecord(options.headers))
    ) {
      return original.call(this, args);
    }
    const security = options.__security;
    let set = last;
    if (
      set === undefined ||
      set.method !== method ||
      set.retryCount !== retryCount ||
      set.timeout !== options.timeout ||
      set.bearer !== security?.bearerAuth ||
      set.admin !== security?.adminAPIKeyAuth ||
      set.apiKey !== this.apiKey ||
      set.adminKey !== this.adminAPIKey
    ) {
      const key = `${method}\n${retryCount}\n${options.timeout}\n${security?.bearerAuth}\n${security?.adminAPIKeyAuth}\n${String(this.apiKey)}\n${String(this.adminAPIKey)}`;
      set = sets.get(key);
      if (set === undefined) {
        const built = await original.call(this, {
          options: { ...options, headers: undefined },
          method,
          bodyHeaders: undefined,
          retryCount,
        });
        const base: string[] = [];
        built.forEach((value, name) => {
          base.push(name, value);
        });
        set = {
          method,
          retryCount,
          timeout: options.timeout,
          bearer: security?.bearerAuth,
          admin: security?.adminAPIKeyAuth,
          apiKey: this.apiKey,
          adminKey: this.adminAPIKey,
          base,
          json: undefined,
        };
        if (sets.size >= maxCachedHeaderSets) sets.clear();
        sets.set(key, set);
      }
      last = set;
    }
    let flat: string[];
    if (isJsonBodyHeaders(bodyHeaders)) {
      // The body headers of nearly every request: merged into the constant set once.
      if (set.json === undefined) {
        const json = set.base.slice();
        mergeRecord(json, bodyHeaders);
        set.json = json;
      }
      flat = set.json.slice();
    } else {
      flat = set.base.slice();
      if (!mergeRecord(flat, bodyHeaders as Record<string, unknown> | undefined)) {
        return original.call(this, args);
      }
    }
    if (options.headers !== undefined && !mergeRecord(flat, options.headers as Record<string, unknown>)) {
      return original.call(this, args);
    }
    return new RequestHeaders(flat);
  };
  return client;
}

interface StainlessFetchInternals {
  fetch: unknown;
  fetchWithTimeout(
    url: string,
    init: RequestInit | undefined,
    ms: number,
    controller: AbortController,
  ): Promise<Response>;
}

/**
 * Makes a Stainless SDK client whose `fetch` is the lean fetch (on the shared pool) serve its own
 * timeout with undici's headers timeout instead of arming a timer, an abort closure and a listener on
 * the request's signal per request (and never removing that listener). The SDK's timer runs until
 * the response head, as undici's headers timeout does, and both end as the SDK's
 * APIConnectionTimeoutError. The request's own signal (the gateway's call guard) aborts it as before.
 * The SDK keeps its path for any other fetch. Not the SDK changed: one method of this client instance.
 */
export function withoutSdkTimer<C extends object>(client: C): C {
  const sdk = client as unknown as StainlessFetchInternals;
  const original = sdk.fetchWithTimeout;
  if (typeof original !== 'function') return client;
  sdk.fetchWithTimeout = function leanFetchWithTimeout(
    this: StainlessFetchInternals,
    url,
    init,
    ms,
    controller,
  ) {
    const fetch = this.fetch as FetchLike;
    if (!leanFetches.has(fetch) || init === undefined || !isPlainBody(init.body))
      return original.call(this, url, init, ms, controller);
    const timed: TimedInit = {
      method: init.method ?? 'GET',
      headers: init.headers,
      body: init.body ?? null,
      // No signal of the caller's: the SDK's controller, which nothing aborts but its own callers.
      signal: init.signal ?? controller.signal,
    };
    if (ms < undiciHeadersTimeoutMs) timed[headersTimeoutKey] = ms;
    return fetch.call(undefined, url, timed);
  };
  return client;
}

interface StainlessBuildInternals {
  baseURL: string;
  defaultQuery(): Record<string, string | undefined> | undefined;
  buildURL(path: string, query: unknown, defaultBaseURL?: string): string;
  buildBody(args: { options: { body?: unknown; headers?: unknown } }): {
    bodyHeaders: unknown;
    body: unknown;
    isStreamingBody?: boolean;
  };
}

/** Distinct request paths whose URL a client keeps. */
const maxCachedUrls = 64;

function isEmptyQuery(query: Record<string, unknown> | undefined): boolean {
  if (query === undefined || query === null) return true;
  for (const _ in query) return false;
  return true;
}

function namesContentType(headers: Record<string, unknown>): boolean {
  for (const name in headers) if (name.toLowerCase() === 'content-type') return true;
  return false;
}

/**
 * Makes a Stainless SDK client (openai, groq-sdk) keep the URL of each path it calls (a `URL` parsed,
 * its query copied and printed per request otherwise) while its base URL and default query stay as
 * they were, and encode a plain JSON body as its encoder does without first building a WHATWG
 * `Headers` from the request's extra headers (which only matter for a content type the gateway never
 * sets). Anything else (a query, another base, a stream, form or binary body, a content type among the
 * extra headers) takes the SDK's path. The SDK is not changed: two methods of this client instance.
 */
export function withLeanRequestBody<C extends object>(client: C): C {
  const sdk = client as unknown as StainlessBuildInternals;
  const buildURL = sdk.buildURL;
  const buildBody = sdk.buildBody;
  if (typeof buildURL !== 'function' || typeof buildBody !== 'function') return client;
  const urls = new Map<string, string>();
  let urlsBase = sdk.baseURL;
  sdk.buildURL = function leanBuildURL(this: StainlessBuildInternals, path, query, defaultBaseURL) {
    if (
      (query !== undefined && query !== null) ||
      defaultBaseURL !== undefined ||
      !isEmptyQuery(this.defaultQuery())
    ) {
      return buildURL.call(this, path, query, defaultBaseURL);
    }
    if (this.baseURL !== urlsBase) {
      urls.clear();
      urlsBase = this.baseURL;
    }
    let url = urls.get(path);
    if (url === undefined) {
      url = buildURL.call(this, path, query, defaultBaseURL);
      if (urls.size >= maxCachedUrls) urls.clear();
      urls.set(path, url);
    }
    return url;
  };
  sdk.buildBody = function leanBuildBody(this: StainlessBuildInternals, args) {
    const { body, headers } = args.options;
    if (
      isPlainRecord(body) &&
      !(Symbol.asyncIterator in body) &&
      !(Symbol.iterator in body) &&
      (headers === undefined || (isPlainRecord(headers) && !namesContentType(headers)))
    ) {
      // What the SDK's FallbackEncoder answers for a JSON body.
      return {
        bodyHeaders: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        isStreamingBody: false,
      };
    }
    return buildBody.call(this, args);
  };
  return client;
}

/** All of the above: what the gateway's Stainless-SDK backends (openai, groq, deepseek) are built with. */
export function leanSdkClient<C extends object>(client: C): C {
  return withoutSdkTimer(withLeanRequestBody(withLeanRequestHeaders(client)));
}

/**
 * The options every Stainless SDK client of the gateway is built with: no retries of its own (the gateway
 * core retries and falls back to other backends), the upstream timeout, and the shared lean fetch (undici's
 * request on a keep-alive pool: the SDK's default global fetch costs far more CPU per call).
 */
export function sdkClientOptions(
  config: { apiKey?: string | undefined; baseURL?: string | undefined; timeoutMs?: number | undefined },
  baseURL: string | undefined,
) {
  return {
    apiKey: config.apiKey,
    baseURL: config.baseURL ?? baseURL,
    maxRetries: 0,
    timeout: config.timeoutMs,
    fetch: upstreamFetch,
  };
}
