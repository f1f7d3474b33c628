import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installRequestState, type RequestEnd } from './request-state.js';

/** What onEnd saw: whether the answer had already been ended when it ran. */
interface Seen {
  completed: boolean;
  endedBefore: boolean;
  status: number;
}

async function appWith(endBeforeLastByte: boolean) {
  const app = Fastify();
  const seen: Seen[] = [];
  installRequestState(app, {
    endBeforeLastByte,
    onStart: () => {},
    onEnd: ({ reply, completed }: RequestEnd) =>
      seen.push({ completed, endedBefore: reply.raw.writableEnded, status: reply.statusCode }),
  });
  app.get('/json', async () => ({ ok: true }));
  app.get('/stream', (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    reply.raw.write('data: 1\n\n');
    setTimeout(() => reply.raw.end('data: [DONE]\n\n'), 5);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { app, seen, url: `http://127.0.0.1:${port}` };
}

describe('installRequestState', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('with endBeforeLastByte, ends a sent answer and a hijacked stream once, before their last bytes', async () => {
    const { app, seen, url } = await appWith(true);
    close = () => app.close();
    expect(await (await fetch(`${url}/json`)).json()).toEqual({ ok: true });
    expect(await (await fetch(`${url}/stream`)).text()).toBe('data: 1\n\ndata: [DONE]\n\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual([
      { completed: true, endedBefore: false, status: 200 },
      { completed: true, endedBefore: false, status: 200 },
    ]);
  });

  it('without it, ends a request when its response closes', async () => {
    const { app, seen, url } = await appWith(false);
    close = () => app.close();
    await (await fetch(`${url}/json`)).arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual([{ completed: true, endedBefore: true, status: 200 }]);
  });

  it('with endBeforeLastByte, a client that leaves mid-stream still ends its request once, not completed', async () => {
    const app = Fastify();
    const seen: boolean[] = [];
    installRequestState(app, {
      endBeforeLastByte: true,
      onStart: () => {},
      onEnd: (end) => seen.push(end.completed),
    });
    app.get('/stream', (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
      reply.raw.write('data: 1\n\n');
      _request.gateway.signal.addEventListener('abort', () => reply.raw.end());
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    close = () => app.close();
    const { port } = app.server.address() as { port: number };
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/stream`, { signal: controller.signal });
    await response.body!.getReader().read();
    controller.abort();
    const deadline = Date.now() + 2000;
    while (seen.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual([false]);
  });
});
