/**
 * The same-wire relay, end to end: the real server in front of a raw OpenAI-wire upstream whose answers
 * hold fields and formatting the gateway does not model. Relayed (the default), the client gets the
 * upstream's bytes exactly (the usage event left out unless asked for); an alias is translated. In the
 * suite's translated run (E2E_RELAY=off: `server.relay: false`) the same client code gets the same
 * content and usage, rebuilt by the gateway.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';

const API_KEY = 'gw-relay-e2e-key-0123456789';
const relayed = process.env.E2E_RELAY !== 'off';

const completion = `{
  "id": "chatcmpl-relay-json",
  "object": "chat.completion",
  "created": 1700000000,
  "model": "gpt-4o-mini",
  "choices": [ { "index": 0, "message": { "role": "assistant", "content": "Relayed \\u00e9 answer", "refusal": null, "annotations": [] }, "logprobs": null, "finish_reason": "stop" } ],
  "usage": { "prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15, "prompt_tokens_details": { "cached_tokens": 0 } },
  "service_tier": "default",
  "x_unknown": { "kept": true }
}`;

const head =
  '"id":"chatcmpl-relay-sse","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini"';
const usageEvent = `data: {${head},"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}\n\n`;
const streamEvents = [
  ': upstream comment\n\n',
  `data: {${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null,"x_unknown":1}\n\n`,
  `data: {${head},"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}],"usage":null}\n\n`,
  `data: {${head},"choices":[{"index":0,"delta":{"content":" world"},"finish_reason":null}],"usage":null}\n\n`,
  `data: {${head},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n`,
  usageEvent,
  'data: [DONE]\n\n',
];
const streamBody = streamEvents.join('');

const message = `{"id":"msg_relay_json","type":"message","role":"assistant","model":"claude-sonnet-4-5",
 "content":[{"type":"text","text":"Relayed \\u00e9 message"}],"stop_reason":"end_turn","stop_sequence":null,
 "usage":{"input_tokens":12,"output_tokens":5,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"service_tier":"standard"},
 "x_unknown":{"kept":true}}`;
const messageEvents = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_relay_sse","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,"output_tokens":1}}}\n\n',
  'event: ping\ndata: {"type": "ping"}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":3}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
];
const messageStream = messageEvents.join('');

let upstream: Server;
let gateway: Gateway;
const upstreamBodies: Array<Record<string, unknown>> = [];

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return JSON.parse(text) as Record<string, unknown>;
}

beforeAll(async () => {
  upstream = createServer(async (request, response) => {
    const body = await readJson(request);
    upstreamBodies.push(body);
    const messages = request.url?.endsWith('/messages') === true;
    if (body.stream !== true) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(messages ? message : completion);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    // Two writes, cut inside an event: the relay must pass whole events on, in order.
    const text = messages ? messageStream : streamBody;
    const cut = text.length - 70;
    response.write(text.slice(0, cut));
    setTimeout(() => response.end(text.slice(cut)), 20);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  gateway = await startGateway({
    profile: 'e2e/fixtures/relay.yaml',
    env: {
      GATEWAY_API_KEYS: API_KEY,
      OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`,
    },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => upstream?.close(resolve));
});

function post(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify(body),
  });
}

const messages = [{ role: 'user', content: 'relay me' }];

describe(`Chat Completions, ${relayed ? 'relayed' : 'translated (server.relay false)'}`, () => {
  it('a JSON answer: the upstream bytes exactly when relayed, the same content and usage either way', async () => {
    const response = await post({ model: 'gpt-4o-mini', messages });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.headers.get('server-timing')).toMatch(/^gateway;dur=/);
    const text = await response.text();
    if (relayed) expect(text).toBe(completion);
    else expect(text).not.toBe(completion);
    const body = JSON.parse(text);
    expect(body.choices[0].message.content).toBe('Relayed é answer');
    expect(body.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 });
  });

  it('a stream with include_usage: every upstream event as it came when relayed', async () => {
    const response = await post({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const text = await response.text();
    if (relayed) expect(text).toBe(streamBody);
    else expect(text).toContain('"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11');
    expect(upstreamBodies.at(-1)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('a stream without include_usage: the upstream events but its usage event', async () => {
    const response = await post({ model: 'gpt-4o-mini', messages, stream: true });
    const text = await response.text();
    if (relayed) expect(text).toBe(streamBody.replace(usageEvent, ''));
    expect(text).not.toContain('"completion_tokens"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('an alias is translated: the client sees the model it asked for', async () => {
    const response = await post({ model: 'fast', messages });
    const body = (await response.json()) as {
      model: string;
      choices: Array<{ message: { content: string } }>;
      x_unknown?: unknown;
    };
    expect(body.model).toBe('fast');
    expect(body.choices[0]?.message.content).toBe('Relayed é answer');
    expect(body.x_unknown).toBeUndefined();
  });

  it('the official openai SDK reads both, text and usage the same on either path', async () => {
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(answer.choices[0]?.message.content).toBe('Relayed é answer');
    expect(answer.usage?.total_tokens).toBe(15);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let total: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      total = chunk.usage?.total_tokens ?? total;
    }
    expect(text).toBe('Hello world');
    expect(total).toBe(11);
  });
});

describe(`Messages, ${relayed ? 'relayed' : 'translated (server.relay false)'}`, () => {
  function postMessages(body: Record<string, unknown>): Promise<Response> {
    return fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': API_KEY,
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, messages, ...body }),
    });
  }

  it('a JSON message: the upstream bytes exactly when relayed, the same content and usage either way', async () => {
    const response = await postMessages({});
    expect(response.status).toBe(200);
    const text = await response.text();
    if (relayed) expect(text).toBe(message);
    else expect(text).not.toBe(message);
    const body = JSON.parse(text);
    expect(body.content[0].text).toBe('Relayed é message');
    expect(body.usage).toMatchObject({ input_tokens: 12, output_tokens: 5 });
  });

  it('a stream: every upstream event as it came when relayed', async () => {
    const response = await postMessages({ stream: true });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const text = await response.text();
    if (relayed) expect(text).toBe(messageStream);
    expect(text).toContain('"text":" there"');
    expect(text).toContain('event: message_stop');
  });
});
