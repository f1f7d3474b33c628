import { sseHeaders } from '@llm-gateway/plugin-kit';
import type { FastifyReply, FastifyRequest, TaskEvent, TaskQueue } from '@llm-gateway/spec';
import { resultBody, statusMessage } from './task-bodies.js';

/** The data of one SSE event: always `status` and `message`, plus the text or the final result. */
export function streamData(id: string, event: TaskEvent): Record<string, unknown> {
  switch (event.type) {
    case 'status':
      return { status: event.status, task_id: id, message: statusMessage(event.status) };
    case 'delta':
      return { status: 'processing', task_id: id, message: 'Generating', text: event.text };
    case 'completed':
      return { ...resultBody(event.state), message: statusMessage('completed') };
    case 'failed':
      return {
        ...resultBody(event.state),
        status: 'failed',
        message: event.state.error?.message ?? 'Task failed',
      };
  }
}

/**
 * Writes a task's events as SSE (`data: {json}`) until it ends, then closes the response; a client
 * that goes away stops the subscription.
 */
export async function streamTask(
  queue: TaskQueue,
  id: string,
  request: FastifyRequest,
  reply: FastifyReply,
  keepAliveMs: number,
): Promise<void> {
  const controller = new AbortController();
  const raw = reply.raw;
  raw.on('close', () => controller.abort());
  reply.hijack();
  raw.writeHead(200, sseHeaders('text/event-stream; charset=utf-8'));
  // An EventSource reconnects when a stream ends; a finished task's stream has nothing new to say.
  raw.write('retry: 10000\n\n');
  const ping = setInterval(() => raw.write(': keep-alive\n\n'), keepAliveMs);
  try {
    for await (const event of queue.events(id, controller.signal)) {
      if (event.type === 'status' && (event.status === 'completed' || event.status === 'failed')) continue;
      raw.write(`data: ${JSON.stringify(streamData(id, event))}\n\n`);
    }
  } catch (error) {
    request.log.warn({ err: error }, 'task stream failed');
  } finally {
    clearInterval(ping);
    raw.end();
  }
}
