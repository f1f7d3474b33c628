import type { ChatRequest, TaskState } from '@llm-gateway/spec';
import { wireUsage } from './translate-response.js';

/** Whether a `Prefer` header (RFC 7240: comma-separated, case-insensitive tokens) asks for respond-async. */
export function prefersAsync(header: string | string[] | undefined): boolean {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  return values.some((value) =>
    value.split(',').some((preference) => preference.split(';')[0]!.trim().toLowerCase() === 'respond-async'),
  );
}

/**
 * A task keeps only its answer's text, so a request whose answer may be more (tool calls, several
 * choices, logprobs) is answered at once: RFC 7240 lets a server ignore the preference.
 */
export function fitsTask(request: ChatRequest): boolean {
  return !request.tools?.length && (request.n ?? 1) === 1 && !request.logprobs;
}

/** Where a task's answer will be: `.../v1/tasks/{id}` beside the chat completions route, under any prefix. */
export function taskLocation(requestUrl: string, id: string): string {
  const path = requestUrl.split('?')[0]!;
  return `${path.replace(/\/chat\/completions\/?$/, '')}/tasks/${encodeURIComponent(id)}`;
}

/** A task that has no chat completion (yet): its state, and the error once it failed. */
export function taskBody(state: Pick<TaskState, 'id' | 'status' | 'createdAt' | 'error'>) {
  return {
    id: state.id,
    object: 'task',
    status: state.status,
    created_at: Math.floor(state.createdAt / 1000),
    ...(state.error ? { error: { message: state.error.message, type: state.error.type } } : {}),
  };
}

/** A completed task as the chat completion a sync call would have answered. */
export function taskCompletionBody(state: TaskState) {
  return {
    id: `chatcmpl-${state.id}`,
    object: 'chat.completion',
    created: Math.floor((state.finishedAt ?? state.createdAt) / 1000),
    model: state.model ?? '',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: state.text ?? '' },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: wireUsage(state.usage, false),
    system_fingerprint: null,
  };
}
