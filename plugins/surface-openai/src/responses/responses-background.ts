import type { ChatRequest, TaskQueue, TaskState } from '@llm-gateway/spec';
import { invalid } from '../translate-request.js';
import { completedResponse } from './map-responses-output.js';
import type { StoredResponse } from './responses-store.js';
import type { WireResponsesBody } from './responses-wire.js';

/** Whether a response may still change (its task has not ended). */
export function isPending(record: StoredResponse): boolean {
  return record.response.status === 'queued' || record.response.status === 'in_progress';
}

/** What `background: true` needs here; anything else is a 400 naming the field, never a silent sync answer. */
export function checkBackground(
  body: WireResponsesBody,
  request: ChatRequest,
  queue: TaskQueue | undefined,
): TaskQueue {
  if (!queue)
    throw invalid('background responses need async mode, which this gateway does not run.', 'background');
  if (body.stream) throw invalid('background responses cannot be streamed by this gateway.', 'stream');
  if (body.store === false)
    throw invalid('background responses must be stored: store cannot be false.', 'store');
  // A task keeps only its answer's text, so an answer that may call tools cannot run in the background.
  if (request.tools?.length)
    throw invalid('background responses with tools are not supported by this gateway.', 'background');
  return queue;
}

/** The record as its task now stands; the same object when nothing changed. */
export function withTaskState(record: StoredResponse, state: TaskState | undefined): StoredResponse {
  const response = record.response;
  if (!state) {
    const error = { code: 'server_error', message: 'The background task is no longer known to the queue.' };
    return { ...record, response: { ...response, status: 'failed', error } };
  }
  switch (state.status) {
    case 'queued':
      return record;
    case 'processing':
      return response.status === 'in_progress'
        ? record
        : { ...record, response: { ...response, status: 'in_progress' } };
    case 'completed': {
      const answer = { text: state.text ?? '', finishReason: 'stop' as const };
      const done = completedResponse(response, answer, state.usage, new Set(record.customNames ?? []));
      return {
        ...record,
        response: { ...done, completed_at: Math.floor((state.finishedAt ?? Date.now()) / 1000) },
      };
    }
    case 'failed': {
      const error = {
        code: 'server_error',
        message: state.error?.message ?? 'The background response failed.',
      };
      return { ...record, response: { ...response, status: 'failed', error } };
    }
  }
}
