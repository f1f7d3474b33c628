import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { leanSdkClient, RequestHeaders, withLeanRequestHeaders } from '@llm-gateway/openai-compatible';
import { type Backend, GatewayError, isDisabled, silentLogger } from '@llm-gateway/spec';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import plugin from './index.js';

/** A fetch that records the headers the SDK sends and answers a minimal completion. */
function capturingFetch() {
  const sent: [string, string][][] = [];
  const requests: { url: string; method?: string; body: unknown }[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    sent.push([...new Headers(init?.headers as ConstructorParameters<typeof Headers>[0])].sort());
    requests.push({ url: String(url), method: init?.method, body: init?.body });
    return new Response(
      JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [] }),
      { status: 200, headers: { 'content-type': 'application/json' } },
    );
  };
  return { sent, requests, fetch };
}

const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('withLeanRequestHeaders', () => {
  it("sends exactly the headers the SDK's own buildHeaders sends, extra headers merged the same way", async () => {
    const plain = capturingFetch();
    const lean = capturingFetch();
    const options = {
      apiKey: 'sk-test',
      baseURL: 'http://127.0.0.1:9/v1',
      maxRetries: 0,
      organization: 'org-1',
    };
    const sdk = new OpenAI({ ...options, fetch: plain.fetch });
    const wrapped = leanSdkClient(new OpenAI({ ...options, fetch: lean.fetch }));
    const variants = [
      {},
      { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } },
      // A later source replaces a name (any case), null removes one, undefined is skipped.
      { headers: { 'User-Agent': 'mine', 'X-Stainless-Retry-Count': null, 'x-skip': undefined } },
      { headers: { 'Content-Type': 'application/json; charset=utf-8' }, timeout: 5000 },
      // Credentials set per request: the SDK's own path.
      { headers: { Authorization: 'Bearer other' } },
      // A query: the SDK's own URL.
      { query: { 'api-version': '2024-01-01' } },
    ];
    for (const extra of variants) {
      for (let i = 0; i < 2; i++) {
        await sdk.chat.completions.create(body, extra as never);
        await wrapped.chat.completions.create(body, extra as never);
      }
    }
    expect(lean.sent).toEqual(plain.sent);
    // The same URLs, methods and body bytes.
    expect(lean.requests).toEqual(plain.requests);
    expect(lean.requests.at(-1)?.url).toBe('http://127.0.0.1:9/v1/chat/completions?api-version=2024-01-01');
    // A new base URL is used at once.
    sdk.baseURL = 'http://127.0.0.1:8/v2';
    wrapped.baseURL = 'http://127.0.0.1:8/v2';
    await sdk.chat.completions.create(body);
    await wrapped.chat.completions.create(body);
    expect(lean.requests.at(-1)).toEqual(plain.requests.at(-1));
    expect(lean.requests.at(-1)?.url).toBe('http://127.0.0.1:8/v2/chat/completions');
    expect(lean.sent[0]?.map(([name]) => name)).toContain('authorization');
    expect(lean.sent[2]?.find(([name]) => name === 'traceparent')).toBeDefined();
  });

  it('uses the new key when the API key changes', async () => {
    const lean = capturingFetch();
    const client = withLeanRequestHeaders(
      new OpenAI({ apiKey: 'sk-one', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: lean.fetch }),
    );
    await client.chat.completions.create(body);
    client.apiKey = 'sk-two';
    await client.chat.completions.create(body);
    const auth = lean.sent.map((headers) => headers.find(([name]) => name === 'authorization')?.[1]);
    expect(auth).toEqual(['Bearer sk-one', 'Bearer sk-two']);
  });

  it('hands the SDK a header list with no enumerable fields (its debug formatting copies none)', async () => {
    let seen: unknown;
    const client = withLeanRequestHeaders(
      new OpenAI({
        apiKey: 'sk-test',
        baseURL: 'http://127.0.0.1:9/v1',
        maxRetries: 0,
        fetch: async (_url, init) => {
          seen = init?.headers;
          return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
        },
      }),
    );
    await client.chat.completions.create(body);
    expect(seen).toBeInstanceOf(RequestHeaders);
    expect(Object.entries(seen as object)).toEqual([]);
    expect((seen as RequestHeaders).get('Authorization')).toBe('Bearer sk-test');
  });
});

describe('backend-openai builds no WHATWG Headers per request', () => {
  let sim: Simulator;
  let backend: Backend;
  const RealHeaders = globalThis.Headers;
  beforeAll(async () => {
    sim = await startOpenAISimulator({ apiKey: 'sk-test' });
    const created = await plugin.create(
      plugin.configSchema.parse({ apiKey: 'sk-test', baseURL: `${sim.url}/v1` }),
      { instanceName: 'openai', log: silentLogger },
    );
    if (isDisabled(created)) throw new Error(created.reason);
    backend = created;
  });
  afterEach(() => {
    globalThis.Headers = RealHeaders;
  });
  afterAll(() => sim.close());

  it('counts Headers constructed during a chat call', async () => {
    const call = () => ({ signal: new AbortController().signal, requestId: 'r', log: silentLogger });
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };
    await backend.chat(request, call()); // the first call builds the constant headers once
    let built = 0;
    globalThis.Headers = class CountingHeaders extends RealHeaders {
      constructor(init?: ConstructorParameters<typeof Headers>[0]) {
        super(init);
        built += 1;
      }
    };
    const calls = 5;
    for (let i = 0; i < calls; i++) {
      const result = await backend.chat(request, call());
      expect(result.text).toContain('hello');
    }
    // Without the lean client the SDK made four per call (the body's, the merged set, the auth set and
    // the bearer set); with it none.
    expect(built).toBe(0);
  });
});

describe('backend-openai: the SDK arms no timer of its own per request', () => {
  const call = () => ({ signal: new AbortController().signal, requestId: 'r', log: silentLogger });
  const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };
  let server: Server | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  it('sets no timeout timer per call (the SDK armed one with its timeout, 10 minutes by default)', async () => {
    const sim = await startOpenAISimulator({ apiKey: 'sk-test' });
    try {
      const created = await plugin.create(
        plugin.configSchema.parse({ apiKey: 'sk-test', baseURL: `${sim.url}/v1` }),
        { instanceName: 'openai', log: silentLogger },
      );
      if (isDisabled(created)) throw new Error(created.reason);
      const timers = vi.spyOn(globalThis, 'setTimeout');
      for (let i = 0; i < 3; i++) await created.chat(request, call());
      expect(timers.mock.calls.filter(([, ms]) => ms === 600_000)).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  it("still gives up at the backend's timeoutMs when no answer head comes", async () => {
    // Accepts the request and never answers.
    server = createServer(() => {});
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const created = await plugin.create(
      plugin.configSchema.parse({
        apiKey: 'sk-test',
        baseURL: `http://127.0.0.1:${port}/v1`,
        timeoutMs: 300,
      }),
      { instanceName: 'openai', log: silentLogger },
    );
    if (isDisabled(created)) throw new Error(created.reason);
    const started = Date.now();
    const error = await created.chat(request, call()).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).type).toBe('upstream_timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
