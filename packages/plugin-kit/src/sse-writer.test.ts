import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SseWriter } from './sse-writer.js';

let server: Server | undefined;
let socket: Socket | undefined;

afterEach(async () => {
  socket?.destroy();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server whose one response is handed to the test, and a raw client that can stop reading. */
async function openResponse(): Promise<{ res: ServerResponse; client: Socket }> {
  let handed!: (res: ServerResponse) => void;
  const response = new Promise<ServerResponse>((resolve) => {
    handed = resolve;
  });
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    handed(res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  socket = connect(port, '127.0.0.1');
  socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
  return { res: await response, client: socket };
}

const ticks = async (count: number) => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Writes 256 KiB events until one is still waiting for 'drain'; returns that write. */
async function fillUntilBlocked(
  sse: SseWriter,
): Promise<{ pending: Promise<boolean>; settled: () => boolean }> {
  const big = 'x'.repeat(256 * 1024);
  for (let i = 0; i < 200; i++) {
    let settled = false;
    const write = sse.data(big).finally(() => {
      settled = true;
    });
    await ticks(2);
    if (!settled) return { pending: write, settled: () => settled };
  }
  throw new Error('the socket never pushed back');
}

describe('SseWriter', () => {
  it('waits for drain while the client does not read, and continues once it does', async () => {
    const { res, client } = await openResponse();
    client.pause();
    const sse = new SseWriter(res);
    const blocked = await fillUntilBlocked(sse);
    await ticks(20);
    expect(blocked.settled()).toBe(false);
    client.resume();
    expect(await blocked.pending).toBe(true);
    expect(await sse.data('next')).toBe(true);
    sse.end();
  });

  it('sends the events given in one turn of the event loop in one write, in order', async () => {
    const { res, client } = await openResponse();
    const writes: string[] = [];
    const write = res.write.bind(res);
    res.write = ((chunk: string, ...rest: never[]) => {
      writes.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof res.write;
    let body = '';
    // The response ends with chunked encoding's last chunk (the keep-alive socket stays open).
    const ended = new Promise<void>((resolve) => {
      client.on('data', (chunk: Buffer) => {
        body += chunk.toString();
        if (body.endsWith('\r\n0\r\n\r\n')) resolve();
      });
    });
    const sse = new SseWriter(res);
    // 36 parts of one upstream read, each awaited as the stream sender does.
    for (let i = 0; i < 36; i++) expect(await sse.data(`{"n":${i}}`)).toBe(true);
    await ticks(1);
    expect(await sse.data('[DONE]')).toBe(true);
    sse.end();
    await ended;
    expect(writes).toHaveLength(2);
    const events = [...body.matchAll(/data: (.*)\n\n/g)].map((match) => match[1]);
    expect(events).toEqual([...Array.from({ length: 36 }, (_, i) => `{"n":${i}}`), '[DONE]']);
  });

  it('writes named events as an event line and a data line, in order with data events', async () => {
    const { res, client } = await openResponse();
    let body = '';
    const ended = new Promise<void>((resolve) => {
      client.on('data', (chunk: Buffer) => {
        body += chunk.toString();
        if (body.endsWith('\r\n0\r\n\r\n')) resolve();
      });
    });
    const sse = new SseWriter(res);
    expect(await sse.event('message_start', '{"type":"message_start"}')).toBe(true);
    expect(await sse.data('{"n":1}')).toBe(true);
    sse.end();
    await ended;
    expect(body).toContain('event: message_start\ndata: {"type":"message_start"}\n\ndata: {"n":1}\n\n');
  });

  it('reports the client gone instead of throwing or hanging', async () => {
    const { res, client } = await openResponse();
    client.pause();
    const sse = new SseWriter(res);
    const blocked = await fillUntilBlocked(sse);
    client.destroy();
    expect(await blocked.pending).toBe(false);
    expect(await sse.data('after')).toBe(false);
    expect(sse.closed).toBe(true);
  });
});
