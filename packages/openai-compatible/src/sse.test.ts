import { isGatewayError } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { readChunks } from './sse.js';

async function* reads(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? new TextEncoder().encode(part) : part;
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<unknown[][]> {
  const batches: unknown[][] = [];
  for await (const batch of readChunks('test', body)) batches.push(batch);
  return batches;
}

const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

describe('readChunks', () => {
  it('hands on everything one read carried as one batch', async () => {
    const body = reads(event({ n: 1 }) + event({ n: 2 }) + event({ n: 3 }), event({ n: 4 }));
    expect(await collect(body)).toEqual([[{ n: 1 }, { n: 2 }, { n: 3 }], [{ n: 4 }]]);
  });

  it('joins an event and a UTF-8 character cut across reads', async () => {
    const bytes = new TextEncoder().encode(event({ text: 'héllo €' }));
    const cut = bytes.indexOf(0xe2) + 1;
    expect(await collect(reads(bytes.subarray(0, 3), bytes.subarray(3, cut), bytes.subarray(cut)))).toEqual([
      [{ text: 'héllo €' }],
    ]);
  });

  it('ignores what follows [DONE] but reads the body to its end', async () => {
    let ended = false;
    async function* body() {
      yield* reads(event({ n: 1 }), 'data: [DONE]\n\n', event({ n: 2 }));
      ended = true;
    }
    expect(await collect(body())).toEqual([[{ n: 1 }]]);
    expect(ended).toBe(true);
  });

  it('skips comments and other fields, as a keep-alive ping is', async () => {
    expect(await collect(reads(': ping\n\n', `id: 7\n${event({ n: 1 })}`))).toEqual([[{ n: 1 }]]);
  });

  it.each([
    ['an error field', event({ error: { message: 'overloaded' } })],
    ['an error event', `event: error\n${event({ message: 'overloaded' })}`],
  ])('throws the message of %s in the stream, after the chunks before it', async (_name, failing) => {
    const seen: unknown[][] = [];
    const error = await (async () => {
      for await (const batch of readChunks('test', reads(event({ n: 1 }), failing))) seen.push(batch);
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual([[{ n: 1 }]]);
    expect(isGatewayError(error) && error.code).toBe('upstream_stream_error');
    expect((error as Error).message).toContain('overloaded');
  });

  it('throws a retryable malformed-response error for data that is not JSON', async () => {
    const error = await collect(reads('data: {"n":\n\n')).catch((caught: unknown) => caught);
    expect(isGatewayError(error) && error.code).toBe('upstream_bad_response');
  });

  it('stops at an event that never ends instead of buffering it without bound', async () => {
    const megabyte = 'x'.repeat(1024 * 1024);
    async function* endless() {
      yield new TextEncoder().encode('data: ');
      for (let i = 0; i < 64; i++) yield new TextEncoder().encode(megabyte);
    }
    const error = await collect(endless()).catch((caught: unknown) => caught);
    expect(isGatewayError(error) && error.code).toBe('upstream_bad_response');
  });
});
