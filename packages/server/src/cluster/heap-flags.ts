import type { ServerSettings } from '../profile/server-section.js';

/** The V8 flags `server.memory` asks for (none for a setting left at 0, V8's default). */
export function heapFlags(
  memory: Pick<ServerSettings['memory'], 'semiSpaceMiB' | 'maxOldSpaceMiB'>,
): string[] {
  const flags: string[] = [];
  if (memory.semiSpaceMiB > 0) flags.push(`--max-semi-space-size=${memory.semiSpaceMiB}`);
  if (memory.maxOldSpaceMiB > 0) flags.push(`--max-old-space-size=${memory.maxOldSpaceMiB}`);
  return flags;
}

const flagName = (flag: string) => flag.split('=')[0]!.replace(/_/g, '-');

/** The flags not already given on the command line or in NODE_OPTIONS: an operator's own setting wins. */
export function missingFlags(
  flags: readonly string[],
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map(flagName));
  return flags.filter((flag) => !given.has(flagName(flag)));
}

type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never;

/**
 * V8 sizes its heap when the process starts (v8.setFlagsFromString later has no effect), so a lone
 * gateway missing the flags replaces itself by one started with them: same pid, nothing else runs yet.
 */
export function reexecWithFlags(flags: readonly string[]): void {
  const missing = missingFlags(flags, process.execArgv, process.env['NODE_OPTIONS']);
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (missing.length === 0 || typeof execve !== 'function') return;
  execve(
    process.execPath,
    [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  );
}
