import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from '@llm-gateway/spec';
import { type ClientFile, clientFileSchema } from './client-file.js';

export interface LoadedClients {
  clients: Map<string, ClientFile>;
  /** One line per skipped file: `<file>: <problem>`. Never quotes file contents. */
  errors: string[];
  /** The directory itself could not be read. */
  unreadable: boolean;
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

async function readClient(path: string): Promise<{ client?: ClientFile; problem?: string }> {
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
  if ('client_secret' in raw) {
    return {
      problem:
        'has a plaintext client_secret; store only client_secret_hash (create it with `gateway hash-secret`)',
    };
  }
  const parsed = clientFileSchema.safeParse(raw);
  return parsed.success ? { client: parsed.data } : { problem: describeIssues(parsed.error) };
}

/** Reads every `*.json` in `dir` (sorted, symlinks followed, dotfiles skipped); bad files are reported. */
export async function loadClients(dir: string): Promise<LoadedClients> {
  const clients = new Map<string, ClientFile>();
  const errors: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return { clients, errors: [`client directory ${dir} cannot be read (${code})`], unreadable: true };
  }
  const files = names.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
  for (const file of files) {
    let result: { client?: ClientFile; problem?: string };
    try {
      result = await readClient(join(dir, file));
    } catch (error) {
      result = { problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})` };
    }
    if (result.problem !== undefined) {
      errors.push(`${file}: ${result.problem}`);
      continue;
    }
    const client = result.client;
    if (client === undefined) continue;
    if (clients.has(client.client_id)) {
      errors.push(
        `${file}: duplicate client_id '${client.client_id}', already defined by an earlier file; skipped`,
      );
      continue;
    }
    clients.set(client.client_id, client);
  }
  return { clients, errors, unreadable: false };
}
