/**
 * Response headers of a server-sent-events stream. No `connection` header: Node sets it from the
 * request, so a client's `Connection: close` (or the server's while shutting down) closes the
 * connection once the stream ends instead of being overridden with keep-alive.
 */
export function sseHeaders(contentType = 'text/event-stream'): Record<string, string> {
  return { 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
}
