import type { TaskState, TaskStatus } from '@llm-gateway/spec';

export const QUEUED_MESSAGE = 'Your request is being processed. Use the task_id to check status.';

const statusMessages: Record<TaskStatus, string> = {
  queued: 'Task is waiting in queue',
  processing: 'Task is currently being processed',
  completed: 'Task completed successfully',
  failed: 'Task failed',
};

export function statusMessage(status: TaskStatus): string {
  return statusMessages[status];
}

/** GET /status/{id}, and GET /result/{id} while the task has not finished. */
export function statusBody(state: TaskState) {
  return { status: state.status, task_id: state.id, message: statusMessages[state.status] };
}

export function errorBody(state: TaskState) {
  return {
    status: 'error' as const,
    task_id: state.id,
    error_message: state.error?.message ?? 'Task failed',
    error_type: state.error?.type ?? 'InternalError',
  };
}

/** GET /result/{id}: the text and metrics, the error, or the status while it runs. */
export function resultBody(state: TaskState) {
  if (state.status === 'completed')
    return {
      status: 'completed' as const,
      task_id: state.id,
      result: state.text ?? '',
      metrics: state.metrics,
    };
  if (state.status === 'failed') return errorBody(state);
  return statusBody(state);
}
