/** Service processes started by the starters; all are killed when the test process exits. */
import { type ChildProcess, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

const children = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAll();
      // Keep the default behaviour (exit) when nobody else handles the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything the process printed, for error messages. */
  output(): string;
  /** Resolves when the process has exited (at once if it already has). */
  exited: Promise<void>;
  /** Sends `signal` and waits for the exit, escalating to SIGKILL after `graceMs`. */
  terminate(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function spawnService(command: string, args: string[], cwd: string): ServiceProcess {
  hookExit();
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      children.delete(child);
      resolve();
    };
    child.once('exit', done);
    child.once('error', (error) => {
      append(Buffer.from(String(error)));
      done();
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null && children.has(child);
  return {
    child,
    output: () => output,
    exited,
    async terminate(signal = 'SIGTERM', graceMs = 5000) {
      if (!running()) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable named `name` on PATH, then in `extraDirs`. */
export async function findExecutable(name: string, extraDirs: string[] = []): Promise<string | undefined> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Polls `probe` until it resolves true; fails early when the process exits, or after `timeoutMs`. */
export async function waitUntilReady(
  service: ServiceProcess,
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  let exited = false;
  void service.exited.then(() => {
    exited = true;
  });
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (exited) throw new Error(`${what} exited before it was ready:\n${service.output()}`);
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await service.terminate('SIGKILL');
  throw new Error(`${what} was not ready within ${timeoutMs} ms:\n${service.output()}`);
}
