/**
 * Refuses JSON bodies nested deeper than `server.maxJsonDepth` while they stream in, before any
 * surface's parser sees them: a 10,000-deep body parses, but every recursive walk after it (the cache
 * key, the SDK's JSON.stringify) overflows the stack.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { GatewayError } from '@llm-gateway/spec';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JsonDepthScanner } from './json-depth-scanner.js';

export function jsonTooDeepError(maxDepth: number): GatewayError {
  return new GatewayError('invalid_request', `The JSON body is nested deeper than ${maxDepth} levels`, {
    code: 'json_too_deep',
  });
}

/** Passes the body through unchanged and fails the stream at the first byte past the depth limit. */
class JsonDepthLimit extends Transform {
  readonly #scanner: JsonDepthScanner;

  constructor(maxDepth: number) {
    super();
    this.#scanner = new JsonDepthScanner(maxDepth);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.#scanner.scan(chunk)) done(null, chunk);
    else done(jsonTooDeepError(this.#scanner.maxDepth));
  }
}

/** What every surface's parser reads as JSON: a JSON media type, or none (FastAPI's rule). */
function readsAsJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const media = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return length === undefined ? request.headers['transfer-encoding'] !== undefined : length !== '0';
}

/** Installs the limit on `app` and every scope registered after it; text and form bodies pass untouched. */
export function installJsonDepthLimit(app: FastifyInstance, maxDepth: number): void {
  // Callback style: an async hook would cost a promise on every request, body or not.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    if (!hasBody(request) || !readsAsJson(request.headers['content-type'])) done(null, payload);
    else done(null, payload.pipe(new JsonDepthLimit(maxDepth)));
  });
}
