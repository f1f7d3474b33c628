/** Packs workspace packages and installs tarballs outside the workspace from the local pnpm store only. */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify, parse as yamlParse } from 'yaml';
import { cleanEnv, repoRoot } from './gateway.js';

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs `command args` in `cwd` with PATH and HOME only; kills its process group after `timeoutMs`. */
export function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: Record<string, string> = cleanEnv(),
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...env, NO_COLOR: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const append = (chunk: string) => {
      output = (output + chunk).slice(-64 * 1024);
    };
    child.stdout.setEncoding('utf8').on('data', append);
    child.stderr.setEncoding('utf8').on('data', append);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} in ${cwd} did not finish in ${timeoutMs} ms\n${output}`),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Like `run`, but a non-zero exit is an error carrying the command's output. */
export async function mustRun(command: string, args: string[], cwd: string, timeoutMs = 120_000) {
  const result = await run(command, args, cwd, timeoutMs);
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} in ${cwd} exited ${result.code}\n${result.output}`);
  return result.output;
}

/** `pnpm pack` of a workspace package (e.g. `packages/spec`) into `destination`; returns the tarball path. */
export async function packWorkspacePackage(dir: string, destination: string): Promise<string> {
  const output = await mustRun('pnpm', ['pack', '--pack-destination', destination], join(repoRoot, dir));
  const tarball = output
    .trim()
    .split('\n')
    .findLast((line) => line.endsWith('.tgz'));
  if (!tarball) throw new Error(`pnpm pack printed no tarball:\n${output}`);
  return tarball.trim();
}

/** Packs the packages a plugin author installs (contracts, helper packages, testkit): name → `file:<tarball>`. */
export async function packGatewayPackages(destination: string): Promise<Record<string, string>> {
  const packages: Record<string, string> = {};
  for (const dir of ['spec', 'plugin-kit', 'openai-compatible', 'testkit']) {
    packages[`@llm-gateway/${dir}`] = `file:${await packWorkspacePackage(`packages/${dir}`, destination)}`;
  }
  return packages;
}

/**
 * pnpm overrides pinning every package to the version the workspace lockfile holds (so it is in the local
 * store), plus `extra` (e.g. `@llm-gateway/spec` → `file:<tarball>`). Offline resolution would otherwise pick
 * the newest version in the metadata cache, whose tarball the store may not have.
 */
export function lockedOverrides(extra: Record<string, string>): Record<string, string> {
  const lock = yamlParse(readFileSync(join(repoRoot, 'pnpm-lock.yaml'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  const versions = new Map<string, Set<string>>();
  for (const key of Object.keys(lock.packages)) {
    const at = key.lastIndexOf('@');
    const name = key.slice(0, at);
    versions.set(name, (versions.get(name) ?? new Set()).add(key.slice(at + 1)));
  }
  const overrides: Record<string, string> = {};
  for (const [name, set] of versions) {
    if (set.size === 1) {
      overrides[name] = [...set][0] as string;
      continue;
    }
    // Several majors locked: pin each major; two versions of one major are left to the resolver.
    const byMajor = new Map<string, string | null>();
    for (const version of set) {
      const major = version.split('.')[0] as string;
      byMajor.set(major, byMajor.has(major) ? null : version);
    }
    for (const [major, version] of byMajor) {
      if (version) overrides[`${name}@${major === '0' ? '<1' : `^${major}`}`] = version;
    }
  }
  return { ...overrides, ...extra };
}

/** Writes `pnpm-workspace.yaml` with the overrides into `dir` and runs `pnpm install --offline` there. */
export async function installOffline(dir: string, overrides: Record<string, string>): Promise<void> {
  writeFileSync(join(dir, 'pnpm-workspace.yaml'), stringify({ overrides }));
  await mustRun('pnpm', ['install', '--offline'], dir);
}
