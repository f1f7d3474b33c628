/**
 * Refuses JSON bodies nested deeper than `server.maxJsonDepth` while they stream in, before any
 * surface's parser sees them: a 10,000-deep body parses, but every recursive walk after it (the cache
 * key, the SDK's JSON.stringify) overflows the stack.
 */
import { Readable } from 'node:stream';
import { GatewayError } from '@llm-gateway/spec';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JsonDepthScanner } from './json-depth-scanner.js';

export function jsonTooDeepError(maxDepth: number): GatewayError {
  return new GatewayError('invalid_request', `The JSON body is nested deeper than ${maxDepth} levels`, {
    code: 'json_too_deep',
  });
}

const ignore = () => {};

/**
 * Passes the body through unchanged and fails the stream at the first byte past the depth limit. A
 * Readable fed by the source's events, not a Transform the source is piped into: no writable half and
 * no pipe bookkeeping (a dozen objects and listeners) per request body.
 */
class JsonDepthLimit extends Readable {
  readonly #scanner: JsonDepthScanner;
  readonly #source: Readable;
  #stopped = false;

  constructor(source: Readable, maxDepth: number) {
    super();
    this.#scanner = new JsonDepthScanner(maxDepth);
    this.#source = source;
    // The parser reports the error; should nothing read this stream (a type no parser takes), it must not crash.
    this.on('error', ignore);
    source.on('data', this.#onData);
    source.on('end', this.#onEnd);
    // A client that leaves mid-body must still end the parser's wait.
    source.on('error', this.#onError);
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#stopped) return;
    if (!this.#scanner.scan(chunk)) {
      this.drain();
      this.destroy(jsonTooDeepError(this.#scanner.maxDepth));
      return;
    }
    // Backpressure: the source waits until the parser reads on (_read).
    if (!this.push(chunk)) this.#source.pause();
  };

  readonly #onEnd = (): void => {
    if (!this.#stopped) this.push(null);
  };

  readonly #onError = (error: Error): void => {
    this.destroy(error);
  };

  override _read(): void {
    if (!this.#stopped) this.#source.resume();
  }

  /** Reads and drops what is left of the body (refused, or never parsed), so the connection serves its next request. */
  readonly drain = (): void => {
    this.#stopped = true;
    if (this.#source.readableEnded) return;
    this.#source.resume();
  };
}

/** What every surface's parser reads as JSON: a JSON media type, or none (FastAPI's rule). */
function readsAsJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const media = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

/** Fastify reads the body of these methods only; a GET's body is never parsed (and dropped by Node). */
const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'QUERY']);

function hasBody(request: FastifyRequest): boolean {
  if (!bodyMethods.has(request.method)) return false;
  const length = request.headers['content-length'];
  return length === undefined ? request.headers['transfer-encoding'] !== undefined : length !== '0';
}

/** Installs the limit on `app` and every scope registered after it; text and form bodies pass untouched. */
export function installJsonDepthLimit(app: FastifyInstance, maxDepth: number): void {
  // Callback style: an async hook would cost a promise on every request, body or not.
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (!hasBody(request) || !readsAsJson(request.headers['content-type'])) return done(null, payload);
    const limited = new JsonDepthLimit(payload, maxDepth);
    // Answered without reading the body (e.g. 415 for a JSON type no parser takes): Node would have dropped it.
    // `on`, not `once`: a response finishes once (and draining twice is harmless).
    reply.raw.on('finish', limited.drain);
    done(null, limited);
  });
}
