import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReloadFileNote, z } from '@llm-gateway/spec';
import { type ClientFile, clientFileSchema } from './client-file.js';
import { exampleSecretRefusal, exampleSecretWarning, usesExampleSecret } from './example-secret.js';
import { hashSecret } from './secret-hash.js';

/** A client in force: its file and the scrypt hash its secret is checked against. */
export interface LoadedClient {
  client: ClientFile;
  hash: string;
}

export interface LoadedClients {
  clients: Map<string, LoadedClient>;
  /** Files left out, by name and reason. Never quotes file contents. */
  skipped: ReloadFileNote[];
  /** Files loaded with a secret that should be fixed (plaintext, or the shared default). */
  warnings: ReloadFileNote[];
  /** One line per problem: `<file>: <reason>`, or the directory's own. */
  errors: string[];
  /** The directory itself could not be read. */
  unreadable: boolean;
}

export interface LoadClientsOptions {
  /** The hash a file without any secret is checked against (the scheme's `defaultSecret`); none: skipped. */
  defaultHash?: string | undefined;
  /** Load clients whose secret is the published example one (demos and tests); otherwise they are skipped. */
  allowExampleSecret?: boolean;
}

const maxFileBytes = 1024 * 1024;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(file)'}: ${issue.message}`)
    .join('; ');
}

/** JSON.parse messages quote the source text (maybe a secret): keep only where it failed. */
function describeJsonError(error: unknown): string {
  const where =
    error instanceof Error ? /at position \d+(?: \(line \d+ column \d+\))?/.exec(error.message) : null;
  return where ? `not valid JSON (${where[0]})` : 'not valid JSON';
}

type ReadResult = { client?: LoadedClient; problem?: string; warning?: string };

/** The hash a file's secret is checked against, with a warning when the file should be fixed. */
async function secretOf(client: ClientFile, dir: string, options: LoadClientsOptions): Promise<ReadResult> {
  const rewrite = `convert it with \`gateway hash-secret --rewrite ${dir}\``;
  if (client.client_secret !== undefined && client.client_secret_hash !== undefined)
    return { problem: 'has both client_secret and client_secret_hash; keep only client_secret_hash' };
  if (client.client_secret_hash !== undefined) return { client: { client, hash: client.client_secret_hash } };
  if (client.client_secret !== undefined) {
    return {
      client: { client, hash: await hashSecret(client.client_secret) },
      warning: `PLAINTEXT client_secret in the file: anyone who reads it can act as this client; ${rewrite}`,
    };
  }
  if (options.defaultHash !== undefined) {
    return {
      client: { client, hash: options.defaultHash },
      warning: `no secret of its own: checked against the scheme's shared defaultSecret; give it one and ${rewrite}`,
    };
  }
  return {
    problem: `no client_secret_hash (or client_secret): add one (\`gateway hash-secret\`), or set the scheme's defaultSecret`,
  };
}

async function readClient(path: string, dir: string, options: LoadClientsOptions): Promise<ReadResult> {
  const info = await stat(path);
  if (!info.isFile()) return {};
  if (info.size > maxFileBytes) return { problem: `larger than ${maxFileBytes} bytes` };
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    return { problem: describeJsonError(error) };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: 'not a JSON object' };
  const parsed = clientFileSchema.safeParse(raw);
  return parsed.success ? secretOf(parsed.data, dir, options) : { problem: describeIssues(parsed.error) };
}

/** Reads every `*.json` in `dir` (sorted, symlinks followed, dotfiles skipped); bad files are reported. */
export async function loadClients(dir: string, options: LoadClientsOptions = {}): Promise<LoadedClients> {
  const loaded: LoadedClients = {
    clients: new Map(),
    skipped: [],
    warnings: [],
    errors: [],
    unreadable: false,
  };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const reason = `client directory cannot be read (${code})`;
    return { ...loaded, skipped: [{ file: dir, reason }], errors: [`${reason}: ${dir}`], unreadable: true };
  }
  const skip = (file: string, reason: string) => {
    loaded.skipped.push({ file, reason });
    loaded.errors.push(`${file}: ${reason}`);
  };
  const files = names.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
  for (const file of files) {
    let result: ReadResult;
    try {
      result = await readClient(join(dir, file), dir, options);
    } catch (error) {
      result = { problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})` };
    }
    if (result.problem !== undefined) {
      skip(file, result.problem);
      continue;
    }
    const entry = result.client;
    if (entry === undefined) continue;
    const id = entry.client.client_id;
    if (loaded.clients.has(id)) {
      skip(file, `duplicate client_id '${id}', already defined by an earlier file; skipped`);
      continue;
    }
    const example = await usesExampleSecret(entry);
    if (example && options.allowExampleSecret !== true) {
      skip(file, exampleSecretRefusal);
      continue;
    }
    loaded.clients.set(id, entry);
    if (result.warning !== undefined) loaded.warnings.push({ file, reason: result.warning });
    if (example) loaded.warnings.push({ file, reason: exampleSecretWarning });
  }
  return loaded;
}
