import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { mapOpenAICompatibleError } from './errors.js';
import { createUpstreamFetch, upstreamFetch } from './fetch.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('upstreamFetch', () => {
  it('sends method, headers (from a Headers object) and body, and reads status, headers and JSON', async () => {
    const url = await serve((req, body, res) => {
      res.writeHead(201, {
        'content-type': 'application/json',
        'x-request-id': 'req-1',
        'set-cookie': ['a=1', 'b=2'],
      });
      res.end(
        JSON.stringify({ method: req.method, auth: req.headers.authorization, body: JSON.parse(body) }),
      );
    });
    const response = await upstreamFetch(`${url}/v1/chat/completions`, {
      method: 'post',
      headers: new Headers({ Authorization: 'Bearer k', 'Content-Type': 'application/json' }),
      body: JSON.stringify({ model: 'm' }),
    });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${url}/v1/chat/completions`);
    expect(response.headers.get('X-Request-ID')).toBe('req-1');
    expect(response.headers.get('missing')).toBeNull();
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(Object.fromEntries(response.headers.entries())).toMatchObject({ 'x-request-id': 'req-1' });
    expect(await response.json()).toEqual({ method: 'POST', auth: 'Bearer k', body: { model: 'm' } });
  });

  it('gives the body as async-iterable bytes (what the SDKs read SSE from), and text for errors', async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      setTimeout(() => res.end('data: 2\n\n'), 10);
    });
    const response = await upstreamFetch(url, { headers: { accept: 'text/event-stream' } });
    let text = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += Buffer.from(chunk).toString('utf8');
    }
    expect(text).toBe('data: 1\n\ndata: 2\n\n');

    const failing = await serve((_req, _body, res) => {
      res.writeHead(429, { 'retry-after': '3' });
      res.end('slow down');
    });
    const refused = await upstreamFetch(failing, { method: 'POST', body: '{}' });
    expect(refused.ok).toBe(false);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('3');
    expect(await refused.text()).toBe('slow down');
  });

  it('rejects with the abort reason when the signal fires', async () => {
    const url = await serve(() => {});
    const controller = new AbortController();
    const pending = upstreamFetch(url, { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fails a refused connection with an error the shared mapping calls a network failure', async () => {
    const url = await serve(() => {});
    server!.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const error = await upstreamFetch(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(mapOpenAICompatibleError('b', error)).toMatchObject({ type: 'upstream_error', backend: 'b' });
  });

  it('hands requests it does not serve itself (a Request object) to the global fetch', async () => {
    const url = await serve((_req, body, res) => res.end(`got ${body}`));
    const fetchVia = createUpstreamFetch();
    const response = await fetchVia(new Request(url, { method: 'POST', body: 'x' }));
    expect(response).toBeInstanceOf(Response);
    expect(await response.text()).toBe('got x');
  });
});
