import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { hashSecret } from './secret-hash.js';

/** What `rewriteClientFiles` did to one file; never carries a secret. */
export interface RewriteOutcome {
  file: string;
  result: 'converted' | 'unchanged' | 'failed';
  reason: string;
}

/** The indentation the file already uses, so a rewrite changes only the secret's line. */
function indentOf(text: string): string | number {
  return /^([ \t]+)"/m.exec(text)?.[1] ?? 2;
}

/** Same keys in the same order, `client_secret` replaced in place by its `client_secret_hash`. */
function withHash(file: Record<string, unknown>, hash: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file)) {
    if (key === 'client_secret') result.client_secret_hash = hash;
    else result[key] = value;
  }
  return result;
}

/** Writes beside the target, flushes, then renames over it: readers see the old file or the new one. */
async function replaceAtomically(path: string, text: string): Promise<void> {
  const target = await realpath(path);
  const { mode } = await stat(target);
  // A dot name: the client loader skips it if a crash leaves it behind.
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', mode & 0o777);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function rewriteOne(path: string): Promise<Omit<RewriteOutcome, 'file'>> {
  const text = await readFile(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { result: 'failed', reason: 'not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { result: 'failed', reason: 'not a JSON object' };
  const file = parsed as Record<string, unknown>;
  const secret = file.client_secret;
  if (secret === undefined) {
    return file.client_secret_hash === undefined
      ? { result: 'unchanged', reason: 'no secret (add one, or set the scheme defaultSecret)' }
      : { result: 'unchanged', reason: 'already hashed' };
  }
  if (file.client_secret_hash !== undefined)
    return { result: 'failed', reason: 'has both client_secret and client_secret_hash; remove one' };
  if (typeof secret !== 'string' || secret === '')
    return { result: 'failed', reason: 'client_secret is not a non-empty string' };
  const rewritten = JSON.stringify(withHash(file, await hashSecret(secret)), null, indentOf(text));
  await replaceAtomically(path, text.endsWith('\n') ? `${rewritten}\n` : rewritten);
  return { result: 'converted', reason: 'client_secret replaced by client_secret_hash' };
}

/**
 * Replaces the plaintext `client_secret` of every client file in `dir` (the files the scheme reads) by
 * its scrypt `client_secret_hash`, in place and atomically, keeping the other fields and their order.
 */
export async function rewriteClientFiles(dir: string): Promise<RewriteOutcome[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json') && !name.startsWith('.'));
  const outcomes: RewriteOutcome[] = [];
  for (const file of names.sort()) {
    const path = join(dir, file);
    try {
      if (!(await stat(path)).isFile()) continue;
      outcomes.push({ file, ...(await rewriteOne(path)) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      outcomes.push({ file, result: 'failed', reason: `cannot be rewritten (${code})` });
    }
  }
  return outcomes;
}
