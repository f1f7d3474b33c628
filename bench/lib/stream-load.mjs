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

/** p50, p99 and mean of sorted samples, rounded to the microsecond. */
const summary = (sorted) => ({
  p50: round(percentile(sorted, 0.5)),
  p99: round(percentile(sorted, 0.99)),
  mean: sorted.length ? round(sorted.reduce((a, b) => a + b, 0) / sorted.length) : undefined,
});

/**
 * Sends `requests` streamed chat completions to `url`, `concurrency` at a time. A response counts
 * as good when it is a 200 that ends with `data: [DONE]` (any 200 when `expectDone` is false: a
 * JSON answer, timed to its first body byte the same way). `body` may be a function of the index.
 */
export async function streamLoad({
  url,
  headers,
  body,
  requests,
  concurrency,
  expectDone = true,
  timeoutMs = 30_000,
}) {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000, pipelining: 1 });
  const ttfb = [];
  const total = [];
  let sent = 0;
  let good = 0;
  let bad = 0;
  let events = 0;
  const errors = new Map();

  async function one(index) {
    const started = performance.now();
    let first;
    let tailText = '';
    let eventCount = 0;
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body: typeof body === 'function' ? body(index) : body,
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
      if (response.statusCode === 200 && (!expectDone || tailText.includes('data: [DONE]'))) {
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
        await one(sent);
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
    ttfbMs: summary(ttfb),
    totalMs: summary(total),
  };
}
