import { readFile } from 'node:fs/promises';
import type { PrincipalLimits } from '@llm-gateway/spec';
import { type KeyEntry, keyIdFor } from './key-set.js';

export type KeySpec = string | { id?: string | undefined; key: string; limits?: PrincipalLimits | undefined };

export interface LoadedKeys {
  entries: KeyEntry[];
  /** Problems found, safe to log: they name lines and ids, never a key. */
  errors: string[];
  /** True when the file could not be read at all. */
  unreadable?: boolean;
}

function entry(key: string, id: string | undefined, limits: PrincipalLimits | undefined): KeyEntry {
  const resolvedId = id?.trim() || keyIdFor(key);
  return limits === undefined ? { id: resolvedId, key } : { id: resolvedId, key, limits };
}

/** Keys from the profile: a comma-separated string (`${API_KEYS:-}`) or a list. */
export function keysFromConfig(keys: string | readonly KeySpec[]): KeyEntry[] {
  const specs: readonly KeySpec[] = typeof keys === 'string' ? keys.split(',') : keys;
  const entries: KeyEntry[] = [];
  for (const spec of specs) {
    const key = (typeof spec === 'string' ? spec : spec.key).trim();
    if (!key) continue;
    entries.push(
      typeof spec === 'string' ? entry(key, undefined, undefined) : entry(key, spec.id, spec.limits),
    );
  }
  return entries;
}

/** Parses a key file: one `id:key` or `key` per line, `#` starts a comment line. */
export function parseKeyFile(text: string): LoadedKeys {
  const entries: KeyEntry[] = [];
  const errors: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const id = colon < 0 ? undefined : line.slice(0, colon).trim();
    const key = (colon < 0 ? line : line.slice(colon + 1)).trim();
    if (!key) {
      errors.push(`line ${index + 1}: empty key`);
      continue;
    }
    if (id === '') {
      errors.push(`line ${index + 1}: empty id before ':'`);
      continue;
    }
    entries.push(entry(key, id, undefined));
  }
  return { entries, errors };
}

export async function loadKeyFile(path: string): Promise<LoadedKeys> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return { entries: [], errors: [`key file ${path}: ${code}`], unreadable: true };
  }
  const parsed = parseKeyFile(text);
  return { entries: parsed.entries, errors: parsed.errors.map((message) => `key file ${path}: ${message}`) };
}

/** Drops repeated keys (the first wins) so one key never maps to two ids. */
export function dedupe(entries: readonly KeyEntry[]): KeyEntry[] {
  const seen = new Set<string>();
  return entries.filter((item) => {
    if (seen.has(item.key)) return false;
    seen.add(item.key);
    return true;
  });
}
