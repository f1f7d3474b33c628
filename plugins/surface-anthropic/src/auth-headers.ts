import type { AuthInput } from '@llm-gateway/spec';

/**
 * The headers the surface's auth schemes read. Anthropic clients send their key as `x-api-key`; when no
 * `Authorization` comes with it, the key is also offered as `Authorization: Bearer <key>`, so every scheme
 * reads it: an API-key scheme whatever header names it is configured with, a JWT scheme, and so on.
 */
export function authInputHeaders(headers: AuthInput['headers']): AuthInput['headers'] {
  const key = headers['x-api-key'];
  if (typeof key !== 'string' || key === '' || headers.authorization !== undefined) return headers;
  return { ...headers, authorization: `Bearer ${key}` };
}
