import Anthropic from '@anthropic-ai/sdk';
import {
  type Backend,
  type CallContext,
  type ChatRequest,
  type ChatStreamPart,
  isGatewayError,
  silentLogger,
} from '@llm-gateway/spec';
import {
  type AnthropicFixtureName,
  anthropicFixture,
  collectChat,
  type Simulator,
  startAnthropicSimulator,
} from '@llm-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropicBackend } from './anthropic-backend.js';
import { relayAnthropicStream } from './anthropic-relay.js';
import { startAnthropicReading } from './anthropic-stream.js';

const apiKey = 'sk-ant-secret-0123456789';
const model = 'claude-sonnet-4-5';

/** A stream without any usage (some proxies in front of Anthropic strip it): the gateway must count. */
const noUsageStream = [
  'event: message_start',
  'data: {"type":"message_start","message":{"id":"msg_01NoUsage","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null}}',
  '',
  'event: content_block_start',
  'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
  '',
  'event: content_block_delta',
  'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Counted "}}',
  '',
  'event: content_block_delta',
  'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"by the gateway"}}',
  '',
  'event: content_block_stop',
  'data: {"type":"content_block_stop","index":0}',
  '',
  'event: message_delta',
  'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null}}',
  '',
  'event: message_stop',
  'data: {"type":"message_stop"}',
  '',
  '',
].join('\n');

const transcripts: Record<string, string> = { 'no-usage': noUsageStream };

let sim: Simulator;
let backend: Backend;
/** The body bytes of the upstream's last answer, as they reached the SDK's fetch. */
let upstreamBytes: Promise<Uint8Array>;

async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

/** fetch that keeps a copy of each response body. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (!response.body) return response;
  const [mine, theirs] = response.body.tee();
  upstreamBytes = readAll(mine);
  return new Response(theirs, { status: response.status, headers: response.headers });
};

beforeAll(async () => {
  sim = await startAnthropicSimulator({
    apiKey,
    models: [model],
    replay: (body) => {
      const user = (body.metadata as { user_id?: string } | undefined)?.user_id ?? '';
      if (user.startsWith('fixture:')) return anthropicFixture(user.slice(8) as AnthropicFixtureName);
      return transcripts[user];
    },
  });
  const client = new Anthropic({ apiKey, baseURL: sim.url, maxRetries: 0, fetch: recordingFetch });
  backend = createAnthropicBackend({ name: 'claude', client, models: [model], defaultMaxTokens: 4096 });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

const call = (): CallContext => ({
  signal: new AbortController().signal,
  requestId: 'r1',
  log: silentLogger,
});

const ask = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model,
  messages: [{ role: 'user', content: 'Hello there gateway' }],
  ...extra,
});
const relayed = (extra: Partial<ChatRequest> = {}, parts = false): ChatRequest =>
  ask({
    relay: parts ? { wire: 'anthropic-messages', parts: true } : { wire: 'anthropic-messages' },
    ...extra,
  });

const text = (bytes: Uint8Array | string) =>
  typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString();
const relayText = (parts: ChatStreamPart[]) =>
  parts.flatMap((p) => (p.type === 'relay-bytes' ? [text(p.bytes)] : [])).join('');
const contentParts = (parts: ChatStreamPart[]) =>
  parts.filter((p) => ['text-delta', 'reasoning-delta', 'tool-call-delta', 'refusal-delta'].includes(p.type));

describe('backend-anthropic relay (anthropic-messages)', () => {
  it('declares the Messages wire as relayable', () => {
    expect(backend.relayWires).toEqual(['anthropic-messages']);
  });

  it("JSON: hands on the upstream's body bytes exactly, with the normalized fields filled in", async () => {
    const request = relayed({ stop: ['gateway'], tuning: { thinkingBudgetTokens: 1024 } });
    const result = await backend.chat(request, call());
    const upstream = await upstreamBytes;
    expect(result.relay?.wire).toBe('anthropic-messages');
    expect(Buffer.from(result.relay!.body).equals(Buffer.from(upstream))).toBe(true);
    const message = JSON.parse(text(upstream)) as Record<string, unknown>;
    expect(result.id).toBe(message.id);
    expect(result.model).toBe(model);
    // The translating path reads the same answer the same way.
    const { created: _c, relay: _r, id: _i, ...normalized } = result;
    const {
      created: _c2,
      id: _i2,
      ...translated
    } = await backend.chat(ask({ ...request, relay: undefined }), call());
    expect(normalized).toEqual(translated);
    expect(result).toMatchObject({
      text: 'Echo: Hello there ',
      reasoning: 'Thinking about: Hello there gateway',
      finishReason: 'stop',
      stopSequence: 'gateway',
      usage: { promptTokens: 3, completionTokens: 8, totalTokens: 11 },
    });
  });

  it('JSON: a native body is sent as it is and relayed, with native filled in as before', async () => {
    const body = { model, max_tokens: 100, top_k: 3, messages: [{ role: 'user', content: 'Hi there' }] };
    const result = await backend.chat(relayed({ native: { wire: 'anthropic-messages', body } }), call());
    expect(sim.lastRequest('/v1/messages')?.body).toEqual({ ...body, stream: false });
    expect(Buffer.from(result.relay!.body).equals(Buffer.from(await upstreamBytes))).toBe(true);
    expect(result.native?.body).toEqual(JSON.parse(text(result.relay!.body)));
  });

  it('JSON: an error status still maps as on the translating path', async () => {
    sim.inject({ status: 529 });
    const error = await backend.chat(relayed(), call()).catch((e: unknown) => e);
    expect(isGatewayError(error)).toBe(true);
    expect(error).toMatchObject({ type: 'upstream_error', isRetryable: true, upstreamStatus: 529 });
  });

  it("stream: the relay-bytes parts are the upstream's SSE bytes exactly; finish and usage are read", async () => {
    const request = relayed({ tuning: { thinkingBudgetTokens: 1024 } });
    const { parts, finish } = await collectChat(backend.stream(request, call()));
    const upstream = text(await upstreamBytes);
    expect(upstream).toContain('event: ping');
    expect(relayText(parts)).toBe(upstream);
    expect(parts.every((p) => p.type !== 'relay-bytes' || p.wire === 'anthropic-messages')).toBe(true);
    expect(parts[0]?.type).toBe('relay-bytes');
    const id = /"id":"(msg_[^"]+)"/.exec(upstream)?.[1];
    expect(parts.find((p) => p.type === 'response-metadata')).toEqual({ type: 'response-metadata', id });
    // No content parts: nothing needs them.
    expect(contentParts(parts)).toEqual([]);
    expect(parts.at(-1)).toBe(finish);
    expect(finish).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { promptTokens: 3, completionTokens: 9, totalTokens: 12 },
    });
    // The same as the translating path's finish.
    const translated = await collectChat(backend.stream(ask({ tuning: request.tuning }), call()));
    expect(translated.finish).toEqual(finish);
  });

  it('stream: cache tokens and the stop sequence of the docs recorded stream, byte for byte', async () => {
    const { parts, finish } = await collectChat(
      backend.stream(relayed({ user: 'fixture:anthropic-stream-tool-use.txt' }), call()),
    );
    expect(relayText(parts)).toBe(text(await upstreamBytes));
    expect(finish).toEqual({
      type: 'finish',
      finishReason: 'tool_calls',
      usage: { promptTokens: 472, completionTokens: 89, totalTokens: 561 },
    });
    const cached = await collectChat(
      backend.stream(
        relayed({
          stop: ['gateway'],
          native: {
            wire: 'anthropic-messages',
            body: {
              model,
              max_tokens: 64,
              stop_sequences: ['gateway'],
              system: [
                { type: 'text', text: 'A long shared preamble', cache_control: { type: 'ephemeral' } },
              ],
              messages: [{ role: 'user', content: 'Hello there gateway' }],
            },
          },
        }),
        call(),
      ),
    );
    expect(relayText(cached.parts)).toBe(text(await upstreamBytes));
    // 3 input words and 4 written to the cache; the answer stops at the stop sequence.
    expect(cached.finish).toEqual({
      type: 'finish',
      finishReason: 'stop',
      stopSequence: 'gateway',
      usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 },
    });
  });

  it('stream: the content parts come only with relay.parts, the same as the translating path', async () => {
    for (const user of ['fixture:anthropic-stream-tool-use.txt', 'fixture:anthropic-stream-text.txt']) {
      const without = await collectChat(backend.stream(relayed({ user }), call()));
      expect(contentParts(without.parts)).toEqual([]);
      const withParts = await collectChat(backend.stream(relayed({ user }, true), call()));
      expect(relayText(withParts.parts)).toBe(text(await upstreamBytes));
      const translated = await collectChat(backend.stream(ask({ user }), call()));
      expect(contentParts(translated.parts).length).toBeGreaterThan(0);
      expect(contentParts(withParts.parts)).toEqual(contentParts(translated.parts));
      expect(withParts.finish).toEqual(translated.finish);
      expect(without.finish).toEqual(translated.finish);
    }
  });

  it('stream: without any usage the content parts are derived at the end, before finish', async () => {
    const {
      parts,
      text: said,
      finish,
    } = await collectChat(backend.stream(relayed({ user: 'no-usage' }), call()));
    expect(relayText(parts)).toBe(noUsageStream);
    expect(said).toBe('Counted by the gateway');
    const lastBytes = parts.findLastIndex((p) => p.type === 'relay-bytes');
    expect(parts.findIndex((p) => p.type === 'text-delta')).toBeGreaterThan(lastBytes);
    expect(finish).toEqual({ type: 'finish', finishReason: 'stop' });
  });

  it('stream: an error event mid-stream throws the same error after relaying the bytes before it', async () => {
    const seen: ChatStreamPart[] = [];
    const error = await (async () => {
      for await (const part of backend.stream(
        relayed({ user: 'fixture:anthropic-stream-overloaded.txt' }),
        call(),
      ))
        seen.push(part);
    })().catch((e: unknown) => e);
    const upstream = text(await upstreamBytes);
    const errorAt = upstream.indexOf('event: error');
    expect(errorAt).toBeGreaterThan(0);
    expect(relayText(seen)).toBe(upstream.slice(0, errorAt));
    expect(isGatewayError(error)).toBe(true);
    expect(error).toMatchObject({ isRetryable: true, code: 'upstream_stream_error' });
    const translated = await (async () => {
      for await (const _ of backend.stream(ask({ user: 'fixture:anthropic-stream-overloaded.txt' }), call()));
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe((translated as Error).message);
    expect((error as Error).message).toContain('Overloaded');
  });

  it('stream: an answer that ends without message_stop fails as on the translating path', async () => {
    sim.inject({ endAfterChunks: 4 });
    const error = await collectChat(backend.stream(relayed(), call())).catch((e: unknown) => e);
    sim.inject({ endAfterChunks: 4 });
    const translated = await collectChat(backend.stream(ask(), call())).catch((e: unknown) => e);
    expect(isGatewayError(error)).toBe(true);
    expect(error).toMatchObject({ code: (translated as { code: string }).code, type: 'upstream_error' });
  });
});

describe('relayAnthropicStream on reads that split events', () => {
  async function* reads(pieces: Array<Uint8Array | string>) {
    for (const piece of pieces) yield piece;
  }

  it('hands on whole events per read, the read itself when it ends on a boundary', async () => {
    const all = anthropicFixture('anthropic-stream-text.txt');
    const bytes = new TextEncoder().encode(all);
    const cut = all.indexOf('"Hello"');
    const boundary = all.indexOf('\n\n', cut) + 2;
    const pieces = [bytes.subarray(0, cut), bytes.subarray(cut, boundary), bytes.subarray(boundary)];
    const reading = startAnthropicReading();
    const parts: ChatStreamPart[] = [];
    for await (const part of relayAnthropicStream(
      'claude',
      reads(pieces),
      { wire: 'anthropic-messages' },
      reading,
    ))
      parts.push(part);
    const relays = parts.flatMap((p) => (p.type === 'relay-bytes' ? [p.bytes] : []));
    expect(relays.map(text).join('')).toBe(all);
    expect(relays.map(text).every((chunk) => chunk.endsWith('\n\n'))).toBe(true);
    // The second read ends an event the first began: its text goes on whole. The third is whole events
    // (nothing waited before it, nothing after): its own bytes go on.
    expect(relays[1]).toBe(all.slice(all.lastIndexOf('\n\n', cut) + 2, boundary));
    expect(relays[2]).toBe(pieces[2]);
    expect(reading.finished).toBe(true);
  });

  it('hands on every byte once, wherever the reads split (inside a character too)', async () => {
    const all = new TextEncoder().encode(anthropicFixture('anthropic-stream-thinking.txt'));
    for (let cut = 1; cut < all.length; cut += 7) {
      const reading = startAnthropicReading();
      const chunks: Uint8Array[] = [];
      const pieces = [all.subarray(0, cut), all.subarray(cut, cut + 300), all.subarray(cut + 300)];
      const relay = { wire: 'anthropic-messages' as const, parts: true };
      for await (const part of relayAnthropicStream('claude', reads(pieces), relay, reading))
        if (part.type === 'relay-bytes')
          chunks.push(typeof part.bytes === 'string' ? new TextEncoder().encode(part.bytes) : part.bytes);
      expect(Buffer.concat(chunks).equals(Buffer.from(all)), `cut at ${cut}`).toBe(true);
      expect(reading.finished).toBe(true);
    }
  });
});
