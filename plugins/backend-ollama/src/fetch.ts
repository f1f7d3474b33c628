/**
 * The ollama library's `fetch`, served by the lean undici `request` fetch of
 * @llm-gateway/openai-compatible instead of the WHATWG fetch: no Request/Response objects and no web
 * stream per call. The library reads a streamed body with `body.getReader()`, so the Node body stream is
 * handed to it behind a minimal reader; it still builds the request, checks the status and parses NDJSON.
 */
import { upstreamFetch } from '@llm-gateway/openai-compatible';

/** The reader calls the library makes (`read`, `releaseLock`), over an async-iterable byte stream. */
function readerOf(body: AsyncIterable<Uint8Array>) {
  const chunks = body[Symbol.asyncIterator]();
  return {
    read: (): Promise<IteratorResult<Uint8Array, undefined>> =>
      chunks.next() as Promise<IteratorResult<Uint8Array, undefined>>,
    releaseLock(): void {},
    async cancel(): Promise<void> {
      await chunks.return?.();
    },
  };
}

/** What the library and the backend read from a response; the body is a reader source, not a web stream. */
class OllamaResponse {
  readonly #inner: Response;
  readonly body: { getReader(): ReturnType<typeof readerOf> } | null;

  constructor(inner: Response) {
    this.#inner = inner;
    const source = inner.body as unknown as AsyncIterable<Uint8Array> | null;
    this.body = source && { getReader: () => readerOf(source) };
  }

  get ok(): boolean {
    return this.#inner.ok;
  }

  get status(): number {
    return this.#inner.status;
  }

  get statusText(): string {
    return this.#inner.statusText;
  }

  get headers(): Headers {
    return this.#inner.headers;
  }

  json(): Promise<unknown> {
    return this.#inner.json();
  }

  text(): Promise<string> {
    return this.#inner.text();
  }
}

/** A `fetch` for the library's `fetch` option (requests the lean fetch cannot serve go to global fetch). */
export async function ollamaFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await upstreamFetch(input, init);
  // A global-fetch answer already has a web body the library can read.
  if (typeof (response.body as { getReader?: unknown } | null)?.getReader === 'function') return response;
  return new OllamaResponse(response) as unknown as Response;
}
