import type { Principal } from './auth.js';
import type { ChatRequest, Usage } from './chat.js';
import type { PluginDefinition, PluginHost } from './plugin.js';

export type TaskStatus = 'queued' | 'processing' | 'completed' | 'failed';

export interface TaskInput {
  request: ChatRequest;
  principal: Principal;
  surface: string;
}

export interface TaskMetrics {
  queue_wait_time: number;
  processing_time: number;
  total_time: number;
  prompt_tokens: number;
  completion_tokens: number;
  tokens_per_second: number;
}

export interface TaskState {
  id: string;
  status: TaskStatus;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Text generated so far (while processing) or in full (when completed). */
  text?: string;
  usage?: Usage;
  metrics?: TaskMetrics;
  error?: { message: string; type: string };
  principalId: string;
  /** `principalKey()` of the submitter (`<scheme>:<id>`): the only thing task ownership is checked against. */
  owner: string;
  /** The model the task asked for (what an OpenAI-style answer names). */
  model?: string;
}

export type TaskEvent =
  | { type: 'status'; status: TaskStatus }
  | { type: 'delta'; text: string }
  | { type: 'completed'; state: TaskState }
  | { type: 'failed'; state: TaskState };

export interface TaskProgress {
  /** The task's id (its telemetry request_id). */
  taskId: string;
  /** When the task was submitted (ms since the epoch), for its queue wait. */
  enqueuedAt?: number;
  /** Returns a promise only when the text is written at once (the runner waits for it); a store that writes behind returns nothing. */
  delta(text: string): void | Promise<void>;
  signal: AbortSignal;
}

export type TaskHandler = (
  input: TaskInput,
  progress: TaskProgress,
) => Promise<{ text: string; usage: Usage }>;

export interface TaskWorker {
  close(): Promise<void>;
}

/** Task counts for /health and /metrics; `connected` is the store's link (absent: no store). */
export interface QueueStats {
  queued: number;
  processing: number;
  completed: number;
  failed: number;
  connected?: boolean;
}

export interface TaskQueue {
  readonly name: string;
  submit(input: TaskInput): Promise<string>;
  get(id: string): Promise<TaskState | undefined>;
  events(id: string, signal?: AbortSignal): AsyncIterable<TaskEvent>;
  work(handler: TaskHandler, concurrency: number): TaskWorker;
  stats?(): Promise<QueueStats>;
  close(): Promise<void>;
}

/** What a queue plugin receives: the plugin host plus the deployment it serves. */
export interface QueueHost extends PluginHost {
  /** The profile's `service.name`: a store shared by several deployments keeps their tasks apart by it. */
  deployment?: string;
}

export type QueuePlugin<Config = unknown> = PluginDefinition<'queue', Config, TaskQueue, QueueHost>;
