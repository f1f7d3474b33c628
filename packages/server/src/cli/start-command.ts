import { heapFlags, missingFlags, reexecWithFlags } from '../cluster/heap-flags.js';
import { loadProfile, resolveProfilePath } from '../profile/load-profile.js';
import { createLogger } from '../server/logger.js';
import type { RunningServer } from '../server/start-server.js';
import type { CliIo } from './io.js';

export type StartResult = { running: RunningServer } | { exitCode: number };

/**
 * `gateway start [--profile f]`: loads the profile (flag, GATEWAY_PROFILE, configs/default.yaml) and listens;
 * with server.workers > 1 this process forks the workers that listen and supervises them.
 */
export async function startCommand(profileArg: string | undefined, io: CliIo): Promise<StartResult> {
  const file = resolveProfilePath({ profile: profileArg, env: io.env, cwd: io.cwd });
  const profile = await loadProfile(file, { env: io.env });
  // Loaded on demand: the cluster primary never builds a server, so it never loads one.
  const { clusterWorkerNumber, startWorker } = await import('../cluster/cluster-worker.js');
  const worker = clusterWorkerNumber(io.env);
  if (worker !== undefined) return { running: await startWorker(profile, io.cwd, worker) };
  const flags = heapFlags(profile.server.memory);
  // In-process callers (tests, embedding) own their process: no re-exec, no fork.
  if (io.handleSignals && profile.server.workers > 1) {
    const { runPrimary } = await import('../cluster/cluster-primary.js');
    const execArgv = [...missingFlags(flags, process.execArgv, io.env['NODE_OPTIONS']), ...process.execArgv];
    const log = createLogger({ level: profile.logging.level });
    return { exitCode: await runPrimary(profile, { profileFile: file, env: io.env, execArgv, log }) };
  }
  if (io.handleSignals) reexecWithFlags(flags);
  const { startServer } = await import('../server/start-server.js');
  return { running: await startServer(profile, { cwd: io.cwd, handleSignals: io.handleSignals }) };
}
