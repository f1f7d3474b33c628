import { createTaskHandler, type TaskRunEnd } from '@llm-gateway/core';
import {
  isDisabled,
  type Logger,
  type Pipeline,
  type QueueHost,
  type TaskHandler,
  type TaskQueue,
  type TaskWorker,
} from '@llm-gateway/spec';
import {
  type CreateInstanceOptions,
  createInstance,
  type InstanceSummary,
} from '../plugins/create-instance.js';
import type { PluginInstanceConfig } from '../profile/plugin-section.js';
import type { Profile } from '../profile/schema.js';
import type { HealthContributor } from './health-route.js';

export interface TaskQueueSetup {
  queue: TaskQueue;
  /** The package that provides it (the fallback's when the configured one is off). */
  plugin: string;
  /** Starts `count` in-process task slots over the pipeline (none when 0). */
  startWorkers(
    count: number,
    pipeline: Pipeline,
    onTaskEnd?: (end: TaskRunEnd) => void,
    activity?: TaskActivity,
  ): TaskWorker | undefined;
}

/** Told when each task run begins and ends (the idle memory release counts them). */
export interface TaskActivity {
  begin(): void;
  end(): void;
}

function counted(handler: TaskHandler, activity: TaskActivity): TaskHandler {
  return async (input, progress) => {
    activity.begin();
    try {
      return await handler(input, progress);
    } finally {
      activity.end();
    }
  };
}

/** Builds the profile's `queue` plugin, if any; undefined when the profile has none or it is off. */
export async function createTaskQueue(
  profile: Profile,
  log: Logger,
  options: CreateInstanceOptions,
  instances: InstanceSummary[],
): Promise<TaskQueueSetup | undefined> {
  const section = profile.queue;
  if (!section) return undefined;
  const build = (instance: PluginInstanceConfig, name: string) =>
    createInstance<TaskQueue, QueueHost>(
      'queue',
      'queue',
      name,
      instance,
      // The deployment names the queue's default key space, so two profiles on one Redis never share tasks.
      { instanceName: 'queue', log, deployment: profile.service.name },
      options,
    );
  let created = await build(section, 'queue');
  instances.push(created.summary);
  if (isDisabled(created.value) && section.fallback) {
    log.warn(
      `queue ${section.plugin} is off (${created.value.reason}); using ${section.fallback.plugin}: ` +
        'tasks stay in this process, are not shared with other instances and are lost on restart',
    );
    created = await build(section.fallback, 'fallback');
    instances.push(created.summary);
  }
  if (isDisabled(created.value)) return undefined;
  const queue = created.value;
  return {
    queue,
    plugin: created.summary.plugin,
    startWorkers(count, pipeline, onTaskEnd, activity) {
      if (count <= 0) return undefined;
      log.info(`running up to ${count} tasks at once from queue ${queue.name}`);
      const handler = createTaskHandler({ pipeline, log, ...(onTaskEnd ? { onTaskEnd } : {}) });
      return queue.work(activity ? counted(handler, activity) : handler, count);
    },
  };
}

/** `/health` facts of the queue; a queue that lost its store makes the gateway unhealthy. */
export function queueHealth(queue: TaskQueue): HealthContributor {
  return async () => {
    const stats = await queue.stats?.().catch(() => ({ connected: false }) as const);
    if (!stats) return { fields: { queue: { name: queue.name } } };
    const fields: Record<string, unknown> = { queue: { name: queue.name, ...stats } };
    if (stats.connected !== undefined) fields['redis_connected'] = stats.connected;
    return { fields, healthy: stats.connected !== false };
  };
}
