import { type ChatStreamPart, isGatewayError, type RelayRequest } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { relayCompletion, relayReading, relayStream } from './relay.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function* reads(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield encoder.encode(part);
}

const head = '"id":"c1","object":"chat.completion.chunk","created":1,"model":"m"';
const chunk = (choice: string, usage = 'null') =>
  `data: {${head},"choices":[${choice}],"usage":${usage}}\n\n`;
const usageEvent = `data: {${head},"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n`;
const events = [
  chunk('{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}'),
  chunk('{"index":0,"delta":{"content":"Hi"},"finish_reason":null}'),
  chunk('{"index":0,"delta":{"content":" there"},"finish_reason":null}'),
  chunk('{"index":0,"delta":{},"finish_reason":"stop"}'),
  usageEvent,
  'data: [DONE]\n\n',
];

async function run(body: AsyncIterable<Uint8Array>, relay: RelayRequest) {
  const reading = relayReading();
  const parts: ChatStreamPart[] = [];
  let error: unknown;
  try {
    for await (const part of relayStream('test', body, relay, reading)) parts.push(part);
  } catch (caught) {
    error = caught;
  }
  const bytes = parts
    .flatMap((part) => (part.type === 'relay-bytes' ? [part.bytes] : []))
    .map((bytes) => (typeof bytes === 'string' ? bytes : decoder.decode(bytes)))
    .join('');
  const others = parts.filter((part) => part.type !== 'relay-bytes');
  return { reading, bytes, others, error };
}

describe('relayStream', () => {
  it('passes every event on as it came and reads only metadata, finish and usage', async () => {
    const body = events.join('');
    const { reading, bytes, others } = await run(reads(body.slice(0, 100), body.slice(100)), {
      wire: 'openai-chat',
      usageEvent: true,
    });
    expect(bytes).toBe(body);
    expect(others).toEqual([{ type: 'response-metadata', id: 'c1', created: 1 }]);
    expect(reading.finishReason).toBe('stop');
    expect(reading.usage).toEqual({ promptTokens: 5, completionTokens: 2, totalTokens: 7 });
  });

  it('hands on the read itself when it holds whole events only', async () => {
    const reading = relayReading();
    const first = encoder.encode(events.slice(0, 2).join(''));
    const parts: ChatStreamPart[] = [];
    for await (const part of relayStream(
      'test',
      (async function* () {
        yield first;
      })(),
      { wire: 'openai-chat' },
      reading,
    ))
      parts.push(part);
    expect(parts[0]).toEqual({ type: 'relay-bytes', wire: 'openai-chat', bytes: first });
  });

  it('leaves the usage event out unless the client asked for it, and still counts it', async () => {
    const { bytes, reading } = await run(reads(events.join('')), { wire: 'openai-chat' });
    expect(bytes).toBe(events.join('').replace(usageEvent, ''));
    expect(reading.usage?.totalTokens).toBe(7);
  });

  it('gives the content parts when the cache needs them (relay.parts)', async () => {
    const { others } = await run(reads(events.join('')), {
      wire: 'openai-chat',
      usageEvent: true,
      parts: true,
    });
    const text = others.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
    expect(text).toBe('Hi there');
  });

  it('derives the content parts at the end when the upstream gave no usage, so the text can be counted', async () => {
    const noUsage = events.filter((event) => event !== usageEvent).join('');
    const { others, reading } = await run(reads(noUsage), { wire: 'openai-chat' });
    expect(reading.usage).toBeUndefined();
    expect(others.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('')).toBe(
      'Hi there',
    );
  });

  it('keeps at most maxUnread characters of events unparsed: past it they become parts as they come', async () => {
    const reading = relayReading(300);
    const parts: ChatStreamPart[] = [];
    const body = events.join('');
    for await (const part of relayStream('test', reads(...events), { wire: 'openai-chat' }, reading)) {
      parts.push(part);
      expect(reading.unreadChars).toBeLessThanOrEqual(300);
    }
    const bytes = parts.flatMap((part) =>
      part.type === 'relay-bytes'
        ? [typeof part.bytes === 'string' ? part.bytes : decoder.decode(part.bytes)]
        : [],
    );
    expect(bytes.join('')).toBe(body.replace(usageEvent, ''));
    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
    expect(text).toBe('Hi there');
    expect(reading.usage?.totalTokens).toBe(7);
  });

  it('an error event ends the stream with the upstream error after the events before it', async () => {
    const failing = `${events[0]}${events[1]}data: {"error":{"message":"overloaded"}}\n\n`;
    const { bytes, error } = await run(reads(failing), { wire: 'openai-chat' });
    expect(bytes).toBe(`${events[0]}${events[1]}`);
    expect(isGatewayError(error) && error.message).toContain('overloaded');
  });
});

describe('relayCompletion', () => {
  it('keeps the body bytes and reads the normalized result from them', async () => {
    const body =
      '{ "id": "x", "choices": [{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"length"}], "usage": {"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}, "extra_field": 1 }';
    const response = new Response(body);
    const result = await relayCompletion('test', response as never, 'm');
    expect(decoder.decode(result.relay?.body)).toBe(body);
    expect(result).toMatchObject({ text: 'ok', finishReason: 'length', usage: { totalTokens: 3 } });
  });

  it('a body that is not JSON is a retryable malformed-response error', async () => {
    const error = await relayCompletion('test', new Response('<html>') as never, 'm').catch(
      (caught) => caught,
    );
    expect(isGatewayError(error) && error.isRetryable).toBe(true);
  });
});
