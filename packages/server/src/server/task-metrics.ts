import type { TaskRunEnd } from '@llm-gateway/core';
import type { TaskQueue, TaskStatus } from '@llm-gateway/spec';
import { Gauge, Histogram, type Registry } from 'prom-client';

const secondsBuckets = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const rateBuckets = [1, 5, 10, 20, 50, 100, 200, 500, 1000];
const states: TaskStatus[] = ['queued', 'processing', 'completed', 'failed'];

/**
 * Queue depth and tasks by state (read from the queue at scrape time), and per-run histograms
 * observed where tasks run; returns the observer to give the task runner.
 */
export function registerTaskMetrics(registry: Registry, queue: TaskQueue): (end: TaskRunEnd) => void {
  const stats = () => queue.stats?.().catch(() => undefined) ?? Promise.resolve(undefined);
  new Gauge({
    name: 'gateway_task_queue_depth',
    help: 'Tasks waiting for a worker',
    registers: [registry],
    async collect() {
      const current = await stats();
      if (current) this.set(current.queued);
    },
  });
  new Gauge({
    name: 'gateway_tasks',
    help: 'Tasks the queue holds, by state (finished ones until their retention ends)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const current = await stats();
      if (current) for (const state of states) this.set({ state }, current[state]);
    },
  });
  const wait = new Histogram({
    name: 'gateway_task_queue_wait_seconds',
    help: 'From submit to the start of a run',
    buckets: secondsBuckets,
    registers: [registry],
  });
  const processing = new Histogram({
    name: 'gateway_task_processing_seconds',
    help: 'Duration of task runs, by outcome',
    labelNames: ['outcome'],
    buckets: secondsBuckets,
    registers: [registry],
  });
  const speed = new Histogram({
    name: 'gateway_task_tokens_per_second',
    help: 'Completion tokens per second of successful task runs',
    buckets: rateBuckets,
    registers: [registry],
  });
  return (end) => {
    const seconds = end.durationMs / 1000;
    if (end.queueWaitMs !== undefined) wait.observe(end.queueWaitMs / 1000);
    processing.observe({ outcome: end.error === undefined ? 'completed' : 'failed' }, seconds);
    const tokens = end.context.annotations.usage?.completionTokens;
    if (end.error === undefined && tokens && seconds > 0) speed.observe(tokens / seconds);
  };
}
