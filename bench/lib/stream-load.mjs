// Streaming load: a fixed number of SSE requests at fixed concurrency, timing each one's first body
// byte (TTFB) and its end, with undici on a keep-alive pool.
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

/** The value below which a fraction `q` of the sorted samples fall (nearest rank). */
export function percentile(sorted, q) {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

const round = (value) => (value === undefined ? undefined : Math.round(value * 1000) / 1000);

/**
 * Sends `requests` streamed chat completions to `url`, `concurrency` at a time. A response counts
 * as good when it is a 200 that ends with `data: [DONE]`.
 */
export async function streamLoad({ url, headers, body, requests, concurrency, timeoutMs = 30_000 }) {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000, pipelining: 1 });
  const ttfb = [];
  const total = [];
  let sent = 0;
  let good = 0;
  let bad = 0;
  let events = 0;
  const errors = new Map();

  async function one() {
    const started = performance.now();
    let first;
    let tailText = '';
    let eventCount = 0;
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      for await (const chunk of response.body) {
        if (first === undefined) first = performance.now();
        const text = chunk.toString('utf8');
        eventCount += text.split('\n\n').length - 1;
        tailText = (tailText + text).slice(-64);
      }
      const ended = performance.now();
      if (response.statusCode === 200 && tailText.includes('data: [DONE]')) {
        good += 1;
        events += eventCount;
        ttfb.push(first - started);
        total.push(ended - started);
      } else {
        bad += 1;
        const key = `HTTP ${response.statusCode}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    } catch (error) {
      bad += 1;
      const key = error?.code ?? error?.name ?? 'error';
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
  }

  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < requests) {
        sent += 1;
        await one();
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  await agent.close();

  ttfb.sort((a, b) => a - b);
  total.sort((a, b) => a - b);
  return {
    requests,
    concurrency,
    good,
    bad,
    errors: Object.fromEntries(errors),
    reqPerSec: round((good / elapsedMs) * 1000),
    eventsPerResponse: good ? round(events / good) : undefined,
    ttfbMs: { p50: round(percentile(ttfb, 0.5)), p99: round(percentile(ttfb, 0.99)) },
    totalMs: { p50: round(percentile(total, 0.5)), p99: round(percentile(total, 0.99)) },
  };
}
