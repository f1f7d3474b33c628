import { join } from 'node:path';
import type { TaskQueue } from '@llm-gateway/spec';
import type { TelemetrySettings } from '../profile/telemetry-section.js';
import type { HealthContributor } from './health-route.js';

/** A disk spool is one process's: each worker recovers and deletes only its own files. */
export function workerTelemetry(settings: TelemetrySettings, worker: number | undefined): TelemetrySettings {
  if (worker === undefined) return settings;
  return { ...settings, spoolDir: join(settings.spoolDir, `worker-${worker}`) };
}

/** `/health` names the worker that answered (its number and pid), so an operator can tell them apart. */
export function workerHealth(worker: number): HealthContributor {
  return () => ({ fields: { worker: { id: worker, pid: process.pid } } });
}

/**
 * A queue without a shared store (`stats().connected` absent: queue-memory) keeps its tasks in one
 * process: with several workers a task submitted to one would be a 404 at another's /status.
 */
export async function refuseLocalQueue(queue: TaskQueue, plugin: string, workers: number): Promise<void> {
  const stats = await queue.stats?.().catch(() => undefined);
  if (stats?.connected !== undefined) return;
  await queue.close();
  throw new Error(
    `the task queue (${plugin}) keeps tasks in one process, so with server.workers=${workers} a task submitted to one ` +
      'worker is unknown to the others: configure a shared queue (queue-bullmq with REDIS_URL) or server.workers: 1',
  );
}
