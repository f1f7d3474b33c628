import { loadProfile, resolveProfilePath } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from '../server/build-server.js';
import { IdleRelease, watchGatewayRelease } from '../server/idle-release.js';
import type { CliIo } from './io.js';
import { serveWorkerMetrics, workerMetricsPort } from './worker-metrics.js';

/**
 * `gateway worker [--profile f]`: runs tasks from the profile's queue through the pipeline, without
 * serving HTTP. Runs `queue.workers` tasks at once (at least one).
 */
export async function workerCommand(profileArg: string | undefined, io: CliIo): Promise<GatewayServer> {
  const file = resolveProfilePath({ profile: profileArg, env: io.env, cwd: io.cwd });
  const profile = await loadProfile(file, { env: io.env });
  if (!profile.queue || profile.queue.enabled === false)
    throw new Error(`${file}: the profile has no enabled \`queue\` section, so there are no tasks to run`);
  const workers = Math.max(1, profile.queue.workers);
  const metricsPort = workerMetricsPort(io.env);
  const idleMs = profile.server.memory.releaseAfterIdleMs;
  // Counts task runs as `gateway start` counts requests: quiet after tasks, one GC returns freed heap pages.
  const release = idleMs > 0 ? new IdleRelease({ idleMs }) : undefined;
  const gateway = await buildServer(profile, {
    cwd: io.cwd,
    workers,
    ...(release ? { taskActivity: release } : {}),
  });
  if (release) {
    const stopRelease = watchGatewayRelease(gateway, release);
    const close = gateway.close.bind(gateway);
    gateway.close = () => {
      stopRelease();
      return close();
    };
  }
  if (metricsPort !== undefined) {
    const host = io.env['WORKER_METRICS_HOST'] || '127.0.0.1';
    const metrics = await serveWorkerMetrics(gateway, metricsPort, host);
    const close = gateway.close.bind(gateway);
    gateway.close = async () => {
      metrics.close();
      metrics.closeAllConnections();
      await close();
    };
    const { port } = metrics.address() as { port: number };
    gateway.log.info(`worker metrics on http://${host}:${port}/metrics`);
  }
  gateway.log.info(`worker running up to ${workers} tasks at once from queue ${gateway.queue?.name}`);
  if (io.handleSignals !== false) {
    const shutdown = (signal: NodeJS.Signals) => {
      gateway.log.info(`${signal} received: finishing running tasks`);
      gateway.drain();
      gateway.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  }
  return gateway;
}
