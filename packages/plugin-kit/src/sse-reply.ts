import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply } from '@llm-gateway/spec';
import { sseHeaders } from './sse-headers.js';
import { SseWriter } from './sse-writer.js';

/**
 * Takes a reply over for a 200 event stream and returns its writer. Headers already set on the reply (request
 * id, gateway headers, CORS) go out with the stream's own.
 */
export function startSseReply(reply: FastifyReply): SseWriter {
  reply.hijack();
  const raw = reply.raw;
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders()))
    if (value !== undefined) headers[name] = value;
  raw.writeHead(200, { ...headers, ...sseHeaders() });
  return new SseWriter(raw);
}
