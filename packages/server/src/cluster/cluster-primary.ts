import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Profile } from '../profile/schema.js';
import { serveClusterMetrics } from './cluster-metrics.js';
import { perWorkerState } from './per-worker-state.js';

/** The environment variable that tells a forked `gateway start` which worker it is (1..N). */
export const WORKER_ENV = 'GATEWAY_WORKER';
export const READY_MESSAGE = 'gateway:ready';

export interface ClusterOptions {
  profileFile: string;
  env: NodeJS.ProcessEnv;
  /** Node flags of every worker (the heap settings first, then this process's own). */
  execArgv: string[];
  log: Logger;
  /** Deaths in a row, each soon after its start, before the primary gives up (default 5). */
  maxQuickDeaths?: number;
  /** A worker that lived shorter than this died "soon after its start" (default 10 s). */
  quickDeathMs?: number;
}

interface Slot {
  number: number;
  worker?: Worker;
  startedAt: number;
  quickDeaths: number;
  timer?: NodeJS.Timeout;
}

const cliPath = fileURLToPath(new URL('../cli.js', import.meta.url));

/**
 * `gateway start` with server.workers > 1: forks that many gateway processes that share the port,
 * replaces one that dies (with backoff), and stops them all on SIGTERM/SIGINT. Resolves to the exit code.
 */
export function runPrimary(profile: Profile, options: ClusterOptions): Promise<number> {
  const { log } = options;
  const count = profile.server.workers;
  const maxQuickDeaths = options.maxQuickDeaths ?? 5;
  const quickDeathMs = options.quickDeathMs ?? 10_000;
  cluster.setupPrimary({
    exec: cliPath,
    args: ['start', '--profile', options.profileFile],
    execArgv: options.execArgv,
  });
  serveClusterMetrics();
  const shared = perWorkerState(profile);
  if (shared.length > 0) log.warn(`server.workers=${count}: each worker keeps its own ${shared.join('; ')}`);

  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({
    number: i + 1,
    startedAt: 0,
    quickDeaths: 0,
  }));
  let allReadyOnce = false;
  let stopping = false;
  let failed = false;

  return new Promise<number>((resolve) => {
    const live = () => slots.filter((slot) => slot.worker !== undefined);
    const finishIfDone = () => {
      if (stopping && live().length === 0) resolve(failed ? 1 : 0);
    };
    const stop = (reason: 'signal' | 'failure', signal: NodeJS.Signals = 'SIGTERM') => {
      if (stopping) return;
      stopping = true;
      failed ||= reason === 'failure';
      for (const slot of slots) clearTimeout(slot.timer);
      for (const slot of live()) slot.worker?.process.kill(signal);
      // Workers drain within shutdownTimeoutMs and flush telemetry; one that hangs past that is killed.
      setTimeout(
        () => {
          for (const slot of live()) slot.worker?.process.kill('SIGKILL');
        },
        profile.server.drainDelayMs + profile.server.shutdownTimeoutMs * 2 + 5_000,
      ).unref();
      finishIfDone();
    };
    const fork = (slot: Slot) => {
      slot.startedAt = Date.now();
      slot.worker = cluster.fork({ ...options.env, [WORKER_ENV]: String(slot.number) });
      const worker = slot.worker;
      worker.on('exit', (code, signal) => {
        slot.worker = undefined;
        if (stopping) {
          if (code !== 0 && !signal) failed = true;
          return finishIfDone();
        }
        const how = signal ? `signal ${signal}` : `code ${code}`;
        if (!allReadyOnce) {
          log.error(
            `gateway worker ${slot.number} exited (${how}) before every worker was serving: not starting (see its error above)`,
          );
          return stop('failure');
        }
        slot.quickDeaths = Date.now() - slot.startedAt < quickDeathMs ? slot.quickDeaths + 1 : 0;
        if (slot.quickDeaths >= maxQuickDeaths) {
          log.error(
            `gateway worker ${slot.number} died ${slot.quickDeaths} times in a row within ${quickDeathMs} ms of its start: giving up`,
          );
          return stop('failure');
        }
        const delay = Math.min(100 * 2 ** slot.quickDeaths, 10_000);
        log.warn(
          `gateway worker ${slot.number} (pid ${worker.process.pid}) died (${how}); restarting it in ${delay} ms`,
        );
        slot.timer = setTimeout(() => fork(slot), delay);
      });
    };
    let ready = 0;
    cluster.on('message', (_worker, message: { type?: string }) => {
      if (message?.type !== READY_MESSAGE || allReadyOnce) return;
      ready += 1;
      if (ready < count) return;
      allReadyOnce = true;
      const pids = slots.map((s) => s.worker?.process.pid).join(', ');
      log.info(`${count} gateway workers serving (pids ${pids})`);
    });
    for (const slot of slots) fork(slot);
    process.once('SIGTERM', () => stop('signal', 'SIGTERM'));
    process.once('SIGINT', () => stop('signal', 'SIGTERM'));
  });
}
