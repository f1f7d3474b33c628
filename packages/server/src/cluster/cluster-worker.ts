import cluster from 'node:cluster';
import type { Profile } from '../profile/schema.js';
import { type RunningServer, shutdownAndExit, startServer } from '../server/start-server.js';
import { READY_MESSAGE, WORKER_ENV } from './cluster-primary.js';

/** This process's worker number when the `gateway start` primary forked it; undefined otherwise. */
export function clusterWorkerNumber(env: NodeJS.ProcessEnv): number | undefined {
  if (!cluster.isWorker) return undefined;
  const number = Number(env[WORKER_ENV]);
  return Number.isInteger(number) && number >= 1 ? number : undefined;
}

/** One of the primary's workers: serves on the shared port and drains on a signal or when the primary is gone. */
export async function startWorker(profile: Profile, cwd: string, worker: number): Promise<RunningServer> {
  const running = await startServer(profile, { cwd, handleSignals: false, clusterWorker: worker });
  // Persistent handlers: a Ctrl-C reaches the workers and the primary's SIGTERM follows; neither may cut the drain.
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.on(signal, () => shutdownAndExit(running, signal));
  process.on('disconnect', () => shutdownAndExit(running, 'primary gone'));
  process.send?.({ type: READY_MESSAGE });
  return running;
}
