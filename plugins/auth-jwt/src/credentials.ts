import type { AuthInput } from '@llm-gateway/spec';

export interface PresentedToken {
  value: string;
  /** Bearer values may belong to another scheme (an API key), so a non-JWT there is not ours. */
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

/** The token this scheme reads from a request, or undefined when none is present. */
export function presentedToken(
  input: AuthInput,
  header: string,
  acceptBearer: boolean,
): PresentedToken | undefined {
  const names = acceptBearer && header !== 'authorization' ? [header, 'authorization'] : [header];
  for (const name of names) {
    const raw = first(input.headers[name]);
    if (raw === undefined) continue;
    if (name === 'authorization') {
      const bearer = bearerPattern.exec(raw.trim());
      // Basic and other schemes are not ours to judge.
      if (!bearer) continue;
      return { value: (bearer[1] ?? '').trim(), bearer: true };
    }
    return { value: raw.trim(), bearer: false };
  }
  return undefined;
}
