/** What a backend with its own HTTP wire format needs around `fetch`: deadlines, errors, NDJSON. */
import {
  GatewayError,
  isGatewayError,
  parseRetryAfter,
  upstreamHttpError,
  upstreamNetworkError,
  upstreamTimeoutError,
} from '@llm-gateway/spec';

/** One upstream request's abort signal: the call's signal joined with its deadline. */
export interface UpstreamSignal {
  readonly signal: AbortSignal;
  /** True when the deadline (not the caller) ended the request. */
  timedOut(): boolean;
  /** Clears the deadline timer; call it in a `finally`. */
  dispose(): void;
}

/** Joins `call.signal` with `call.deadline` (and an optional per-request `timeoutMs`, whichever is first). */
export function upstreamSignal(
  call: { signal: AbortSignal; deadline?: number },
  timeoutMs?: number,
): UpstreamSignal {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(call.signal.reason);
  if (call.signal.aborted) onAbort();
  else call.signal.addEventListener('abort', onAbort, { once: true });
  const limits = [call.deadline === undefined ? undefined : call.deadline - Date.now(), timeoutMs];
  const ms = Math.min(...limits.filter((limit): limit is number => limit !== undefined));
  const timer = Number.isFinite(ms)
    ? setTimeout(
        () => {
          timedOut = true;
          controller.abort(new DOMException('The upstream request timed out', 'TimeoutError'));
        },
        Math.max(0, ms),
      )
    : undefined;
  timer?.unref();
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      call.signal.removeEventListener('abort', onAbort);
    },
  };
}

/** What a failed upstream request becomes: its GatewayError as is, cancelled, timed out, or unreachable. */
export function upstreamFailure(backend: string, error: unknown, signal: UpstreamSignal): GatewayError {
  if (isGatewayError(error)) return error;
  if (signal.timedOut()) return upstreamTimeoutError(backend, error);
  if (signal.signal.aborted)
    return new GatewayError('cancelled', 'The request was cancelled', { backend, cause: error });
  return upstreamNetworkError(backend, error);
}

/** The error message inside an upstream error body (`{error:{message}}`, `{error}`, `{message}`), else the text. */
function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const inner = typeof body.error === 'object' ? body.error?.message : body.error;
    const message = inner ?? body.message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: the text itself, shortened below.
  }
  return text.slice(0, 200) || 'no error message';
}

export interface PostJsonOptions {
  signal: AbortSignal;
  headers?: Record<string, string>;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

/**
 * POSTs `body` as JSON and returns the response when it is 2xx; otherwise throws `upstreamHttpError`
 * with the upstream's status, its error message and `Retry-After`.
 */
export async function postJson(
  backend: string,
  url: string,
  body: unknown,
  options: PostJsonOptions,
): Promise<Response> {
  const response = await (options.fetch ?? fetch)(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(body),
    signal: options.signal,
  });
  if (response.ok) return response;
  const text = await response.text().catch(() => '');
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  throw upstreamHttpError(backend, response.status, errorMessage(text), retryAfterMs);
}

/** The error for an upstream stream that ended before its final line (`upstream_stream_truncated`). */
export function streamTruncatedError(backend: string, cause?: unknown): GatewayError {
  return new GatewayError('upstream_error', `${backend} upstream ended the stream before finishing`, {
    backend,
    code: 'upstream_stream_truncated',
    isRetryable: true,
    cause,
  });
}

function parseLine(backend: string, line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw new GatewayError('upstream_error', `${backend} upstream sent a line that is not JSON`, {
      backend,
      code: 'upstream_bad_response',
      cause: error,
    });
  }
}

/** Each line of a newline-delimited JSON body, parsed, as it arrives; a line that is not JSON throws. */
export async function* ndjsonLines(
  backend: string,
  body: ReadableStream<Uint8Array> | null,
): AsyncGenerator<unknown> {
  if (body === null) return;
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== '') yield parseLine(backend, line);
      newline = buffered.indexOf('\n');
    }
  }
  const rest = (buffered + decoder.decode()).trim();
  if (rest !== '') yield parseLine(backend, rest);
}
