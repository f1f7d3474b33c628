/** Maps what the Anthropic SDK throws to typed gateway errors; an HTTP error keeps Anthropic's own message. */
import { mapOpenAICompatibleError, retryAfterFromHeaders } from '@llm-gateway/openai-compatible';
import { type GatewayError, isGatewayError, upstreamHttpError } from '@llm-gateway/spec';

/** `error.message` of Anthropic's error body `{"type":"error","error":{"type","message"}}`. */
function bodyMessage(body: unknown): string | undefined {
  const inner = (body as { error?: { message?: unknown } } | null | undefined)?.error;
  return typeof inner?.message === 'string' && inner.message ? inner.message : undefined;
}

/**
 * Statuses keep their meaning (429 rate limited and 529 overloaded are retryable with any Retry-After,
 * other 5xx retryable, 4xx not); connection failures, timeouts and aborts map as for the Stainless SDKs.
 */
export function mapAnthropicError(backend: string, error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  const fields = (error ?? {}) as { status?: unknown; error?: unknown; headers?: unknown };
  if (typeof fields.status === 'number' && fields.status >= 400) {
    const message = bodyMessage(fields.error) ?? `HTTP ${fields.status}`;
    return upstreamHttpError(backend, fields.status, message, retryAfterFromHeaders(fields.headers));
  }
  return mapOpenAICompatibleError(backend, error);
}
