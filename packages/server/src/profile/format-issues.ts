import type { z } from 'zod';
import { suggestion } from './did-you-mean.js';
import { formatPath } from './interpolate.js';
import { keysAt } from './schema-keys.js';

const secretKey = /key|secret|password|token|credential/i;

function show(value: unknown, path: readonly PropertyKey[]): string {
  if (path.some((key) => typeof key === 'string' && secretKey.test(key))) return 'a hidden value';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export interface ProfileIssue {
  path: string;
  message: string;
}

/**
 * `unknown key \`apikey\` in backends.openai.config; did you mean \`apiKey\`?` for the key at `keyPath`
 * of `schema` (which sits at `prefix` in the profile).
 */
export function unknownKeyIssue(
  prefix: readonly PropertyKey[],
  keyPath: readonly PropertyKey[],
  schema: unknown,
): ProfileIssue {
  const key = String(keyPath.at(-1));
  const where = [...prefix, ...keyPath.slice(0, -1)];
  const what = where.length === 0 ? 'unknown section' : 'unknown key';
  const place = where.length === 0 ? '' : ` in ${formatPath(where)}`;
  const valid = keysAt(schema, keyPath.slice(0, -1));
  return {
    path: formatPath([...where, key]),
    message: `${what} \`${key}\`${place}${suggestion(key, valid)}`,
  };
}

/**
 * Turns zod issues into `key.path: problem` lines that never echo secrets. `schema` (the one that was
 * parsed, at `prefix`) lets an unknown key name the closest valid one.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
  schema?: unknown,
): ProfileIssue[] {
  const out: ProfileIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'invalid_type':
        out.push({
          path: formatPath(path),
          message:
            input === undefined
              ? `Required (expected ${issue.expected})`
              : `Expected ${issue.expected}, received ${show(input, path)}`,
        });
        break;
      case 'invalid_key':
        // The key's own problem (e.g. the name pattern), not zod's generic "Invalid key in record".
        out.push({
          path: formatPath(path),
          message: issue.issues.map((inner) => inner.message).join('; ') || issue.message,
        });
        break;
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push(unknownKeyIssue(prefix, [...issue.path, key], schema));
        break;
      case 'invalid_value':
        out.push({
          path: formatPath(path),
          message: `Expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, received ${show(input, path)}`,
        });
        break;
      default:
        out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}
