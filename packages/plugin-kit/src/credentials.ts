import type { AuthInput } from '@llm-gateway/spec';

/** A credential read from a request. */
export interface PresentedCredential {
  value: string;
  /** Bearer values may belong to another scheme (a JWT, an API key), so a miss there is not always an error. */
  bearer: boolean;
}

const bearerPattern = /^bearer(?:\s+(.*))?$/i;
const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Whether a value has the three dot-separated base64url parts of a JWT. */
export function looksLikeJwt(value: string): boolean {
  return jwtShape.test(value);
}

/** The first string of a header or query value, which may repeat. */
export function firstValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return firstValue(value[0]);
  return typeof value === 'string' ? value : undefined;
}

/**
 * The credential in the first of `headers` present (`authorization` counts only as `Bearer`), then in
 * the query parameter when the surface allows query credentials; undefined when none is present.
 */
export function presentedCredential(
  input: AuthInput,
  headers: readonly string[],
  queryParam?: string,
): PresentedCredential | undefined {
  for (const name of headers) {
    const raw = firstValue(input.headers[name]);
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
    const raw = firstValue(input.query[queryParam]);
    if (raw !== undefined) return { value: raw.trim(), bearer: false };
  }
  return undefined;
}
