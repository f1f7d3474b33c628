/** Small HTTP helpers for black-box assertions: OpenAI and FastAPI error bodies, SSE parsing, polling, tokens. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedRequest, Simulator } from '@llm-gateway/testkit';
import { expect } from 'vitest';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Reads a response that must be an OpenAI-shaped error and returns its body. */
export async function expectOpenAIError(response: Response, status?: number): Promise<OpenAIErrorBody> {
  const text = await response.text();
  if (status !== undefined) expect(response.status, `status of ${text}`).toBe(status);
  expect(response.status, text).toBeGreaterThanOrEqual(400);
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`error body is not JSON: ${text}`);
  }
  expect(Object.keys(body as object), text).toEqual(['error']);
  const parsed = body as OpenAIErrorBody;
  expect(Object.keys(parsed.error).sort(), text).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof parsed.error.message, text).toBe('string');
  expect(typeof parsed.error.type, text).toBe('string');
  for (const field of [parsed.error.param, parsed.error.code]) {
    expect(field === null || typeof field === 'string', text).toBe(true);
  }
  expect(parsed.error.message.length).toBeGreaterThan(0);
  // No stack trace ever reaches a client.
  expect(text).not.toMatch(/\n\s+at |node:internal|\.js:\d+:\d+/);
  return parsed;
}

/** A FastAPI error body (dgen-ping and DSP): JSON, exactly `{"detail": ...}`, no stack trace; returns the detail. */
export async function detailOf(response: Response, status: number): Promise<unknown> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  expect(text).not.toMatch(/\n\s+at |node:internal|\.js:\d+:\d+/);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(body), text).toEqual(['detail']);
  return body.detail;
}

/** `data:` payloads of a text/event-stream body, in order. */
export function sseData(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((event) =>
      event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n'),
    )
    .filter((data) => data.length > 0);
}

/** The last user message text of a recorded chat request (OpenAI or Ollama body). */
export function promptOf(record: RecordedRequest): string | undefined {
  const messages = (record.body as { messages?: Array<{ role?: string; content?: unknown }> } | undefined)
    ?.messages;
  if (!Array.isArray(messages)) return undefined;
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : undefined;
}

/** Requests a simulator received whose last user message is `prompt`. */
export function requestsFor(sim: Simulator, prompt: string): RecordedRequest[] {
  return sim.requests.filter((record) => promptOf(record) === prompt);
}

export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A dgen-ping token from `POST /generate-token` with the `X-Token-Secret` header. */
export async function dgenPingToken(baseUrl: string, tokenSecret: string, soeid: string): Promise<string> {
  const response = await postJson(`${baseUrl}/generate-token`, { soeid }, { 'X-Token-Secret': tokenSecret });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}
