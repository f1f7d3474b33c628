// JSON latency load: a fixed number of requests at fixed concurrency with undici on a keep-alive
// pool, each timed to the end of its body with sub-millisecond resolution (autocannon rounds to 1 ms,
// too coarse for a cache hit).
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { percentile } from './stream-load.mjs';

const round = (value) => (value === undefined ? undefined : Math.round(value * 1000) / 1000);

/**
 * Sends `requests` POSTs to `url`, `concurrency` at a time; `body(i)` gives the i-th body. A request
 * counts as good when it answers 200; `onResponse(response, text)` may check more (return false: bad).
 */
export async function jsonLoad({
  url,
  headers,
  body,
  requests,
  concurrency,
  onResponse,
  timeoutMs = 30_000,
}) {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000, pipelining: 1 });
  const latencies = [];
  let sent = 0;
  let bad = 0;
  const errors = new Map();
  const fail = (key) => {
    bad += 1;
    errors.set(key, (errors.get(key) ?? 0) + 1);
  };

  async function one(index) {
    const started = performance.now();
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body: body(index),
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await response.body.text();
      const elapsed = performance.now() - started;
      if (response.statusCode !== 200) return fail(`HTTP ${response.statusCode}`);
      if (onResponse && onResponse(response, text) === false) return fail('unexpected answer');
      latencies.push(elapsed);
    } catch (error) {
      fail(error?.code ?? error?.name ?? 'error');
    }
  }

  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < requests) {
        sent += 1;
        await one(sent);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  await agent.close();

  latencies.sort((a, b) => a - b);
  const mean = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : undefined;
  return {
    requests,
    concurrency,
    good: latencies.length,
    bad,
    errors: Object.fromEntries(errors),
    reqPerSec: round((latencies.length / elapsedMs) * 1000),
    latencyMs: {
      mean: round(mean),
      p50: round(percentile(latencies, 0.5)),
      p99: round(percentile(latencies, 0.99)),
      max: round(latencies.at(-1)),
    },
  };
}

/**
 * `(gateway, requests)` sending JSON chat requests to the gateway's /v1/chat/completions, each with its
 * own prompt (`${tag} ${n}`, so none is a cache hit), `concurrency` at a time, with API key `key`.
 */
export function uniqueChatLoad({ key, tag, concurrency }) {
  let prompt = 0;
  return (gateway, requests) =>
    jsonLoad({
      url: `${gateway.url}/v1/chat/completions`,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: () =>
        JSON.stringify({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: `${tag} ${prompt++}` }],
        }),
      requests,
      concurrency,
    });
}
