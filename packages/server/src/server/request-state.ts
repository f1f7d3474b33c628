import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestAnnotations, RequestContext } from '@llm-gateway/spec';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { timeResponseHead } from './server-timing.js';

/** Per-request state the server keeps; surfaces reach it through `host.createContext`. */
export interface GatewayRequestState {
  /** Fires when the client disconnects before the response has finished. */
  signal: AbortSignal;
  annotations: RequestAnnotations;
  /** Surface instance that owns the route, when it is a surface route. */
  surface?: string;
  /** Set once a surface called `createContext`. */
  context?: RequestContext;
  startedAt: number;
  /** The gateway's own milliseconds to the response head (set when the head is written; see server-timing.ts). */
  gatewayMs?: number;
  /** The request's reply, so headers the pipeline asks for reach it before a surface hijacks it. */
  reply: FastifyReply;
}

declare module 'fastify' {
  interface FastifyRequest {
    gateway: GatewayRequestState;
  }
}

const safeRequestId = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Request id: the caller's `x-request-id` when it is a sane token, otherwise a new UUID. */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  const value = Array.isArray(given) ? given[0] : given;
  return value && safeRequestId.test(value) ? value : randomUUID();
}

export interface RequestEnd {
  request: FastifyRequest;
  reply: FastifyReply;
  /** False when the client went away before the response was fully sent. */
  completed: boolean;
  durationMs: number;
}

export interface RequestLifecycle {
  onStart(request: FastifyRequest): void;
  /** Called exactly once per request, when its response closes (finished or cut off). */
  onEnd(end: RequestEnd): void;
  /**
   * Call `onEnd` of an answer that ends normally just before its last bytes are written (the body of a
   * sent reply, a stream's terminating chunk), not after: what it stores is kept before the client has it.
   */
  endBeforeLastByte?: boolean;
}

/** Gives every request its state and client-disconnect signal, and echoes its id. */
export function installRequestState(app: FastifyInstance, lifecycle: RequestLifecycle): void {
  app.decorateRequest('gateway', undefined as unknown as GatewayRequestState);
  // Callback style: an async hook costs a promise on every request.
  app.addHook('onRequest', (request, reply, done) => {
    const controller = new AbortController();
    const state: GatewayRequestState = {
      signal: controller.signal,
      annotations: {},
      startedAt: performance.now(),
      reply,
    };
    request.gateway = state;
    lifecycle.onStart(request);
    timeResponseHead(state);
    reply.header('x-request-id', request.id);
    let ended = false;
    const end = (completed: boolean) => {
      if (ended) return;
      ended = true;
      lifecycle.onEnd({ request, reply, completed, durationMs: performance.now() - state.startedAt });
    };
    if (lifecycle.endBeforeLastByte) endBeforeLastByte(reply.raw, () => end(true));
    // The response's close (not the request's) tells a dropped client from a consumed body. `on`, not
    // `once` (a wrapper and its state per request): a response closes once, and `end` runs once anyway.
    reply.raw.on('close', () => {
      const completed = reply.raw.writableEnded;
      if (!completed) controller.abort(new DOMException('The client closed the connection', 'AbortError'));
      end(completed);
    });
    done();
  });
}

/** Runs `before` once, synchronously, when `raw.end()` is first called: every answer, sent or hijacked, ends there. */
function endBeforeLastByte(raw: FastifyReply['raw'], before: () => void): void {
  const original = raw.end;
  raw.end = function (this: typeof raw, ...args: Parameters<typeof raw.end>) {
    raw.end = original;
    if (!raw.destroyed) before();
    return original.apply(this, args);
  } as typeof raw.end;
}
