import type { AuthInput } from '@llm-gateway/spec';

export interface Presented {
  value: string;
  /** Bearer values may belong to another scheme (a JWT), so a miss there is not always an error. */
  bearer: boolean;
}

const bearerPattern = /^bearer(?:\s+(.*))?$/i;
const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(value: string): boolean {
  return jwtShape.test(value);
}

function first(value: unknown): string | undefined {
  if (Array.isArray(value)) return first(value[0]);
  return typeof value === 'string' ? value : undefined;
}

/** The credential this scheme reads from a request, or undefined when none is present. */
export function presentedKey(
  input: AuthInput,
  headers: readonly string[],
  queryParam: string | undefined,
): Presented | undefined {
  for (const name of headers) {
    const raw = first(input.headers[name]);
    if (raw === undefined) continue;
    if (name === 'authorization') {
      const bearer = bearerPattern.exec(raw.trim());
      // Another scheme's credentials (Basic, ...) are not ours to judge.
      if (!bearer) continue;
      return { value: (bearer[1] ?? '').trim(), bearer: true };
    }
    return { value: raw.trim(), bearer: false };
  }
  if (queryParam && input.allowQueryCredentials) {
    const raw = first(input.query[queryParam]);
    if (raw !== undefined) return { value: raw.trim(), bearer: false };
  }
  return undefined;
}
