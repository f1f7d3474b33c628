import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { CliIo } from './io.js';
import {
  type BackendWire,
  backendWires,
  type ScaffoldKind,
  scaffoldFiles,
  scaffoldKinds,
} from './plugin-templates.js';

const packageNamePattern = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

/** `acme` under kind backend is `backend-acme`; a name already prefixed or scoped stays as given. */
export function pluginPackageName(kind: ScaffoldKind, name: string): string {
  return name.startsWith('@') || name.startsWith(`${kind}-`) ? name : `${kind}-${name}`;
}

/** The spec version this server is built against: scaffolded packages ask for a compatible one. */
function gatewayRange(): string {
  const entry = createRequire(import.meta.url).resolve('@llm-gateway/spec');
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8'));
  return `^${(pkg as { version: string }).version}`;
}

function isKind(value: string | undefined): value is ScaffoldKind {
  return scaffoldKinds.includes(value as ScaffoldKind);
}

function isWire(value: string): value is BackendWire {
  return backendWires.includes(value as BackendWire);
}

/**
 * Writes a plugin package of `kind` into `dir` (default `./<package>`); refuses a non-empty directory.
 * A backend's `wire` picks its upstream format: `openai` (default) or `custom` (the provider's own HTTP API).
 */
export async function newPluginCommand(
  kind: string | undefined,
  name: string | undefined,
  dir: string | undefined,
  io: CliIo,
  wire = 'openai',
): Promise<number> {
  if (!isKind(kind) || !name) {
    io.stderr(
      `usage: gateway new-plugin <${scaffoldKinds.join('|')}> <name> [--dir <dir>] [--wire ${backendWires.join('|')}]`,
    );
    return 1;
  }
  if (!isWire(wire) || (kind !== 'backend' && wire !== 'openai')) {
    io.stderr(`gateway new-plugin: --wire ${backendWires.join('|')} applies to backends only`);
    return 1;
  }
  const packageName = pluginPackageName(kind, name);
  if (!packageNamePattern.test(packageName)) {
    io.stderr(`gateway new-plugin: '${packageName}' is not a valid npm package name (lower-case, no spaces)`);
    return 1;
  }
  const target = path.resolve(io.cwd, dir ?? packageName.replace(/^@[^/]+\//, ''));
  if (existsSync(target) && readdirSync(target).length > 0) {
    io.stderr(`gateway new-plugin: ${target} exists and is not empty; choose another --dir`);
    return 1;
  }
  const files = scaffoldFiles(kind, { packageName, gatewayRange: gatewayRange() }, wire);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(target, file)), { recursive: true });
    await writeFile(path.join(target, file), content, { flag: 'wx' });
  }
  io.stdout(
    `wrote ${kind} plugin ${packageName} to ${target}\n` +
      `next: cd ${target} && pnpm install && pnpm test && pnpm pack`,
  );
  return 0;
}
