import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, YAMLParseError } from 'yaml';
import { expandBackendSets } from './backend-sets.js';
import { formatIssues } from './format-issues.js';
import { InterpolationError, interpolateEnv, type VariableReferences } from './interpolate.js';
import { ProfileError } from './profile-error.js';
import { type Profile, profileSchema } from './schema.js';
import { yamlIssue } from './yaml-error.js';

export interface ParseProfileOptions {
  /** Named in error messages, e.g. `configs/default.yaml`. */
  source?: string;
  env?: NodeJS.ProcessEnv;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses, interpolates and validates profile YAML text. Throws ProfileError. */
export function parseProfile(text: string, options: ParseProfileOptions = {}): Profile {
  const source = options.source ?? '<inline>';
  const env = options.env ?? process.env;
  let tree: unknown;
  try {
    tree = parse(text) ?? {};
  } catch (error) {
    if (error instanceof YAMLParseError) throw new ProfileError(source, [yamlIssue(error, text)]);
    throw error;
  }
  if (!isRecord(tree))
    throw new ProfileError(source, [{ path: '(root)', message: 'Expected a mapping of sections' }]);

  const variables: VariableReferences = new Map();
  try {
    tree = interpolateEnv(tree, env, [], variables);
  } catch (error) {
    if (error instanceof InterpolationError)
      throw new ProfileError(source, [{ path: error.path, message: error.message }]);
    throw error;
  }

  // PORT and HOST are the platform's word (containers, PaaS): they beat whatever the file says.
  const root = tree as Record<string, unknown>;
  const server = isRecord(root.server) ? { ...root.server } : root.server === undefined ? {} : root.server;
  if (isRecord(server)) {
    if (env.PORT) server.port = env.PORT;
    if (env.HOST) server.host = env.HOST;
    root.server = server;
  }

  const setIssues = expandBackendSets(root);
  if (setIssues.length > 0) throw new ProfileError(source, setIssues);

  const result = profileSchema.safeParse(root, { reportInput: true });
  if (!result.success) throw new ProfileError(source, formatIssues(result.error.issues, [], profileSchema));
  // Not enumerable: the variables a profile reads are for messages, not part of its data.
  return Object.defineProperty(Object.assign(result.data, { source }), 'variables', { value: variables });
}

/** Reads and validates a profile file. */
export async function loadProfile(
  file: string,
  options: Omit<ParseProfileOptions, 'source'> = {},
): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new ProfileError(file, [{ path: '(file)', message: reason }]);
  }
  return parseProfile(text, { ...options, source: path.relative(process.cwd(), file) || file });
}

export const defaultProfile = 'configs/default.yaml';

/** The monorepo root, found from this package's location (for running from any directory). */
function repoRoot(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface ProfileChoice {
  /** `--profile` from the command line. */
  profile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Picks the profile file: `--profile`, then GATEWAY_PROFILE, then configs/default.yaml. A relative
 * path is taken from the working directory, falling back to the repository root.
 */
export function resolveProfilePath(choice: ProfileChoice = {}): string {
  const env = choice.env ?? process.env;
  const cwd = choice.cwd ?? process.cwd();
  const wanted = choice.profile || env.GATEWAY_PROFILE || defaultProfile;
  if (path.isAbsolute(wanted)) return wanted;
  const fromCwd = path.resolve(cwd, wanted);
  if (existsSync(fromCwd)) return fromCwd;
  const root = repoRoot();
  if (root && existsSync(path.join(root, wanted))) return path.join(root, wanted);
  return fromCwd;
}
