import type { CliIo } from '../io.js';

/** A CliIo that keeps what a command prints, for assertions. */
export function captureIo(env: NodeJS.ProcessEnv = {}, cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env,
    cwd,
    handleSignals: false,
  };
  return { io, out, err };
}
