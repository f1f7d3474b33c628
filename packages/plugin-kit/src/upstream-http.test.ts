import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ndjsonLines, postJson, upstreamFailure, upstreamSignal } from './upstream-http.js';

function streamOf(pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function collect(lines: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe('ndjsonLines', () => {
  it('parses lines split across chunks, skips blank ones and keeps a last line without a newline', async () => {
    const body = streamOf(['{"a":', '1}\n\n{"b"', ':2}\n{"c":3}']);
    expect(await collect(ndjsonLines('acme', body))).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  it('throws an upstream_error for a line that is not JSON', async () => {
    await expect(collect(ndjsonLines('acme', streamOf(['{"a":1}\nnot json\n'])))).rejects.toMatchObject({
      type: 'upstream_error',
      code: 'upstream_bad_response',
    });
  });
});

describe('postJson and upstreamSignal', () => {
  it('turns a 429 with Retry-After into rate_limited carrying the upstream message', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(JSON.stringify({ error: { message: 'slow down' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/generate`;
    try {
      const signal = upstreamSignal({ signal: new AbortController().signal });
      await expect(postJson('acme', url, {}, { signal: signal.signal })).rejects.toMatchObject({
        type: 'rate_limited',
        retryAfterMs: 3000,
        upstreamStatus: 429,
        message: expect.stringContaining('slow down'),
      });
      signal.dispose();
    } finally {
      server.close();
    }
  });

  it('tells a passed deadline (upstream_timeout) from the caller going away (cancelled)', async () => {
    const timed = upstreamSignal({ signal: new AbortController().signal, deadline: Date.now() - 1 });
    await new Promise((resolve) => timed.signal.addEventListener('abort', resolve, { once: true }));
    expect(upstreamFailure('acme', new Error('aborted'), timed).type).toBe('upstream_timeout');
    const caller = new AbortController();
    const cancelled = upstreamSignal({ signal: caller.signal });
    caller.abort();
    expect(upstreamFailure('acme', new Error('aborted'), cancelled).type).toBe('cancelled');
    cancelled.dispose();
    expect(upstreamFailure('acme', new TypeError('fetch failed'), cancelled).type).toBe('cancelled');
  });
});
