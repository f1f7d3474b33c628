/**
 * Malformed input at the edges, against the built gateway process on configs/default.yaml at
 * LOG_LEVEL=trace: raw sockets for what an HTTP client library would refuse to send.
 */
import {
  type RawHttpExchange,
  rawHttpExchange,
  type Simulator,
  startOpenAISimulator,
} from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { expectOpenAIError, sseData } from './helpers/http.js';

let sim: Simulator;
/** Behind the deepseek backend: reports no usage, so the gateway estimates it with its tokenizer. */
let noUsageSim: Simulator;
let gateway: Gateway;

beforeAll(async () => {
  sim = await startOpenAISimulator();
  noUsageSim = await startOpenAISimulator({ omitUsage: true });
  gateway = await startGateway({
    profile: 'configs/default.yaml',
    env: {
      LOG_LEVEL: 'trace',
      OPENAI_API_KEY: 'sk-e2e-hardening',
      OPENAI_BASE_URL: `${sim.url}/v1`,
      DEEPSEEK_API_KEY: 'sk-e2e-hardening-ds',
      DEEPSEEK_BASE_URL: noUsageSim.url,
    },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([sim?.close(), noUsageSim?.close()]);
});

/** Raw bytes to the gateway, read until it closes the connection or `waitMs` passes. */
function rawExchange(payload: string | Buffer, waitMs = 5000): Promise<RawHttpExchange> {
  return rawHttpExchange(gateway.port, payload, waitMs);
}

async function expectServing(): Promise<void> {
  expect(gateway.child.exitCode, gateway.logs()).toBeNull();
  const health = await fetch(`${gateway.url}/health`, { signal: AbortSignal.timeout(5000) });
  expect(health.status).toBe(200);
  await health.arrayBuffer();
}

function chat(model: string, stream: boolean): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hello there' }] }),
    signal: AbortSignal.timeout(10_000),
  });
}

/** The gateway's own event-loop delay maximum (prom-client's monitorEventLoopDelay) since the last scrape. */
async function eventLoopLagMaxSeconds(): Promise<number> {
  const response = await fetch(`${gateway.url}/metrics?format=prometheus`, {
    signal: AbortSignal.timeout(5000),
  });
  const match = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(await response.text());
  expect(match).not.toBeNull();
  return Number(match![1]);
}

describe('usage estimates for an upstream that reports none', () => {
  // Regression: js-tiktoken over a 20 KB run of `a` froze every request, /health included, for 52 s.
  it('answers several hundred KB of one character while /health keeps answering', async () => {
    await eventLoopLagMaxSeconds();
    let done = false;
    const chatCall = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'deepseek-chat',
        messages: [{ role: 'user', content: 'a'.repeat(400_000) }],
      }),
      signal: AbortSignal.timeout(60_000),
    }).finally(() => {
      done = true;
    });
    // Awaited below; this only keeps a failure in the loop from leaving it unhandled.
    chatCall.catch(() => {});
    do {
      const health = await fetch(`${gateway.url}/health`, { signal: AbortSignal.timeout(5000) });
      expect(health.status).toBe(200);
      await health.arrayBuffer();
    } while (!done);
    const response = await chatCall;
    const body = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    expect(response.status).toBe(200);
    // Estimated (the upstream sent none): o200k encodes a run of `a` at about 8 characters per token.
    expect(body.usage.prompt_tokens).toBeGreaterThan(40_000);
    expect(body.usage.completion_tokens).toBeGreaterThan(40_000);
    // A stall bound, not a speed benchmark: the old code blocked the loop for minutes.
    expect(await eventLoopLagMaxSeconds()).toBeLessThan(1);
  }, 90_000);
});

describe('malformed requests at LOG_LEVEL=trace', () => {
  // Regression: pino's redaction threw on the Buffer in Fastify's client error and killed the process.
  it('answers garbage and a NUL byte in a header with 400 and keeps serving', async () => {
    const garbage = await rawExchange('GARBAGE\r\n\r\n');
    expect(garbage.text).toMatch(/^HTTP\/1\.1 400/);
    await expectServing();
    const nul = await rawExchange(
      Buffer.from(
        'GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-raw-9\r\nX-Bad: a\u0000b\r\n\r\n',
      ),
    );
    expect(nul.text).toMatch(/^HTTP\/1\.1 400/);
    await expectServing();
    // The raw packet (with its Authorization line) is never logged in clear.
    expect(await gateway.writtenLogs()).not.toContain('sk-raw-9');
  });
});

describe('model ids that cannot be header values', () => {
  // Regression: `openai/模型` made the x-gateway-model header throw: a 500 `{"error":{}}`, or a silent stream.
  it('serves a non-Latin-1 model id with a percent-encoded x-gateway-model header', async () => {
    for (const stream of [false, true]) {
      const response = await chat('openai/模型', stream);
      const text = await response.text();
      expect(response.status, text).toBe(200);
      expect(response.headers.get('x-gateway-model')).toBe(encodeURIComponent('模型'));
      if (stream) expect(sseData(text).at(-1)).toBe('[DONE]');
      else expect(JSON.parse(text).choices[0].message.content).toContain('hello there');
    }
  });

  it('refuses a model id with CR/LF with a 400 in the OpenAI error format, streamed or not', async () => {
    for (const stream of [false, true]) {
      const error = await expectOpenAIError(await chat('openai/a\r\nSet-Cookie: x', stream), 400);
      expect(error.error.code).toBe('invalid_model');
      expect(error.error.param).toBe('model');
    }
    await expectServing();
  });
});

describe('Connection: close', () => {
  // Regression: the SSE headers forced `connection: keep-alive`, so a stream kept the connection open.
  it('closes the connection after a streamed answer when the client asks', async () => {
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'close after this' }],
    });
    const exchange = await rawExchange(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(exchange.text).toMatch(/^HTTP\/1\.1 200/);
    expect(exchange.text.toLowerCase()).toContain('connection: close');
    expect(exchange.text).toContain('data: [DONE]');
    expect(exchange.closed).toBe(true);
  });
});
