/**
 * A real npm registry on 127.0.0.1 for black-box tests: Verdaccio 6.8.0 with a temp storage and no uplink,
 * so nothing is fetched from the public registry. Third-party packages the published ones need are
 * mirrored into its storage from the workspace's own installed copies (one tarball per locked version).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '@llm-gateway/testkit';
import { parse as yamlParse } from 'yaml';
import { cleanEnv, repoRoot, stopGroup } from './gateway.js';

const run = promisify(execFile);

interface Lockfile {
  importers: Record<
    string,
    {
      dependencies?: Record<string, { version: string }>;
      devDependencies?: Record<string, { version: string }>;
    }
  >;
  snapshots: Record<
    string,
    { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> } | null
  >;
}

export interface LocalRegistry {
  url: string;
  /** A token allowed to publish. */
  token: string;
  stop(): Promise<void>;
}

const baseVersion = (version: string) => version.split('(')[0] as string;

/**
 * Every third-party `name@version` the given workspace importers depend on at run time (and `extraRoots`,
 * e.g. the scaffold's toolchain from the root importer's devDependencies), with their dependencies.
 */
export function lockedClosure(importers: string[], toolchain: string[]): Map<string, Set<string>> {
  const lock = yamlParse(readFileSync(join(repoRoot, 'pnpm-lock.yaml'), 'utf8')) as Lockfile;
  const queue: string[] = [];
  const add = (name: string, version: string) => {
    if (!version.startsWith('link:')) queue.push(`${name}@${version}`);
  };
  for (const importer of importers) {
    for (const [name, dep] of Object.entries(lock.importers[importer]?.dependencies ?? {}))
      add(name, dep.version);
  }
  const root = lock.importers['.']?.devDependencies ?? {};
  for (const name of toolchain) if (root[name]) add(name, root[name].version);
  const seen = new Set<string>();
  const closure = new Map<string, Set<string>>();
  while (queue.length > 0) {
    const key = queue.pop() as string;
    if (seen.has(key)) continue;
    seen.add(key);
    const at = key.indexOf('@', 1);
    const name = key.slice(0, at);
    closure.set(name, (closure.get(name) ?? new Set()).add(baseVersion(key.slice(at + 1))));
    const snapshot = lock.snapshots[key];
    for (const deps of [snapshot?.dependencies, snapshot?.optionalDependencies]) {
      for (const [dep, version] of Object.entries(deps ?? {})) add(dep, version);
    }
  }
  return closure;
}

/** The installed copy of `name@version` in the workspace's virtual store, if this platform has it. */
function installedCopy(entries: string[], name: string, version: string): string | undefined {
  const flat = `${name.replace('/', '+')}@${version}`;
  const entry = entries.find((candidate) => candidate === flat || candidate.startsWith(`${flat}_`));
  if (!entry) return undefined;
  const dir = join(repoRoot, 'node_modules/.pnpm', entry, 'node_modules', name);
  return existsSync(join(dir, 'package.json')) ? dir : undefined;
}

function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** Where packed copies are kept between runs: packing the closure is most of this helper's time. */
const packCache = join(repoRoot, 'node_modules/.cache/e2e-registry-mirror');

/** A tarball of the installed copy, packed once per `name@version` and reused by later runs. */
async function packedCopy(source: string, name: string, version: string): Promise<string> {
  const cached = join(packCache, `${name.replace('/', '+')}@${version}.tgz`);
  if (existsSync(cached)) return cached;
  mkdirSync(packCache, { recursive: true });
  const partial = `${cached}.${process.pid}.partial`;
  // pnpm's store hardlinks identical files; npm drops hardlink entries, so each file is stored in full.
  await run('tar', [
    '--use-compress-program=gzip -1',
    '-cf',
    partial,
    '--hard-dereference',
    '--exclude=./node_modules',
    '--transform',
    's,^\\.,package,',
    '-C',
    source,
    '.',
  ]);
  renameSync(partial, cached);
  return cached;
}

async function mirrorOne(
  storage: string,
  url: string,
  name: string,
  versions: Set<string>,
  entries: string[],
) {
  const dir = join(storage, name);
  const packument = {
    name,
    versions: {} as Record<string, unknown>,
    'dist-tags': { latest: '' },
    time: {} as Record<string, string>,
    _distfiles: {},
    _attachments: {} as Record<string, unknown>,
    _uplinks: {},
    _rev: '1-0000000000000000',
    readme: '',
  };
  for (const version of versions) {
    const source = installedCopy(entries, name, version);
    if (!source) continue;
    mkdirSync(dir, { recursive: true });
    const file = `${name.split('/').at(-1)}-${version}.tgz`;
    const tarball = join(dir, file);
    copyFileSync(await packedCopy(source, name, version), tarball);
    const data = readFileSync(tarball);
    const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const shasum = createHash('sha1').update(data).digest('hex');
    const integrity = `sha512-${createHash('sha512').update(data).digest('base64')}`;
    packument.versions[version] = {
      ...manifest,
      _id: `${name}@${version}`,
      dist: { tarball: `${url}/${name}/-/${file}`, shasum, integrity },
    };
    packument.time[version] = new Date(0).toISOString();
    packument._attachments[file] = { shasum, version };
  }
  const known = Object.keys(packument.versions).sort(compareVersions);
  if (known.length === 0) return;
  packument['dist-tags'].latest = known.at(-1) as string;
  writeFileSync(join(dir, 'package.json'), JSON.stringify(packument));
}

/** Writes the closure into Verdaccio's storage (before it starts): packuments and tarballs. */
export async function mirrorIntoStorage(storage: string, url: string, closure: Map<string, Set<string>>) {
  const entries = readdirSync(join(repoRoot, 'node_modules/.pnpm'));
  const names = [...closure.keys()];
  // A few tar processes at a time: bounded, and quick on the whole closure.
  const workers = Array.from({ length: 8 }, async () => {
    for (let name = names.pop(); name !== undefined; name = names.pop())
      await mirrorOne(storage, url, name, closure.get(name) as Set<string>, entries);
  });
  await Promise.all(workers);
}

function config(storage: string): string {
  return `storage: ${storage}
auth:
  htpasswd:
    file: ${storage}/../htpasswd
    max_users: 10
uplinks: {}
packages:
  '**':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
log: { type: stdout, format: json, level: warn }
server:
  keepAliveTimeout: 60
`;
}

async function waitForPing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited:\n${output()}`);
    const ok = await fetch(`${url}/-/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`verdaccio did not answer:\n${output()}`);
}

/** Registers a user and returns its token (Verdaccio's htpasswd plugin takes sign-ups). */
async function signUp(url: string): Promise<string> {
  const response = await fetch(`${url}/-/user/org.couchdb.user:e2e`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'e2e', password: 'e2e-password-0123', email: 'e2e@example.invalid' }),
  });
  const body = (await response.json()) as { token?: string };
  if (!body.token) throw new Error(`verdaccio sign-up failed: ${response.status} ${JSON.stringify(body)}`);
  return body.token;
}

/** Starts Verdaccio in `dir` (storage prepared by `prepare(storage, url)` first) on a free port. */
export async function startRegistry(
  dir: string,
  prepare: (storage: string, url: string) => Promise<void>,
): Promise<LocalRegistry> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  await prepare(storage, url);
  writeFileSync(join(dir, 'config.yaml'), config(storage));
  const bin = join(repoRoot, 'e2e/node_modules/verdaccio/bin/verdaccio');
  const child = spawn(
    process.execPath,
    [bin, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    {
      cwd: dir,
      env: cleanEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  });
  try {
    await waitForPing(url, child, () => output);
    const token = await signUp(url);
    return { url, token, stop: async () => void (await stopGroup(child)) };
  } catch (error) {
    await stopGroup(child);
    throw error;
  }
}
