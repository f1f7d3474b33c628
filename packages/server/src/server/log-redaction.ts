import type { IncomingHttpHeaders } from 'node:http';
import type { CredentialNames } from '@llm-gateway/spec';

export const censor = '[Redacted]';

// Credential headers of every seed and common proxies, redacted whatever the profile's auth schemes say.
const defaultHeaders = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-api-token',
  'x-token-secret',
  'x-client-secret',
  'client_secret',
];
// Any header whose name looks like it carries a credential (renamed ones of schemes not enabled, too).
const credentialLikeHeader = /auth|token|secret|passw|api[-_]?key|cookie|session|credential/i;
const credentialLikeQuery = /^(api[_-]?key|key|token|access_token|secret|client_secret|password)$/i;

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Which header and query values never reach a log: the defaults plus every name the profile's auth
 * schemes read credentials from (`credentialNames`), so a renamed header is redacted too.
 */
export class LogRedaction {
  private readonly headerNames = new Set(defaultHeaders);
  private readonly queryNames = new Set<string>();

  /** Adds a scheme's credential locations; call before the server serves. */
  add(names: CredentialNames | undefined): void {
    for (const name of names?.headers ?? []) this.headerNames.add(name.toLowerCase());
    for (const name of names?.query ?? []) this.queryNames.add(name.toLowerCase());
  }

  isSecretHeader(name: string): boolean {
    const lower = name.toLowerCase();
    return this.headerNames.has(lower) || credentialLikeHeader.test(lower);
  }

  isSecretQuery(name: string): boolean {
    return this.queryNames.has(name.toLowerCase()) || credentialLikeQuery.test(name);
  }

  /** A copy of `headers` with credential values replaced. */
  headers(headers: IncomingHttpHeaders | undefined): Record<string, unknown> | undefined {
    if (headers === undefined || headers === null || typeof headers !== 'object') return undefined;
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(headers)) {
      out[name] = this.isSecretHeader(name) ? censor : headers[name];
    }
    return out;
  }

  /** A URL with the values of credential query parameters masked (EventSource clients send keys there). */
  url(url: string): string {
    const query = url.indexOf('?');
    if (query < 0) return url;
    const params = url
      .slice(query + 1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 0) return pair;
        return this.isSecretQuery(safeDecode(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=${censor}` : pair;
      });
    return `${url.slice(0, query)}?${params.join('&')}`;
  }
}

const secretFields = new Set([
  'apiKey',
  'api_key',
  'secret',
  'password',
  'token',
  'client_secret',
  'authorization',
  'cookie',
]);
const maxDepth = 4;

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Masks secret-named fields in plain objects and arrays (a bounded depth), and summarises binary data
 * (a client error's raw packet may hold an Authorization line). Any other value is returned as it is,
 * never traversed, so no getter or exotic object can make a log call throw.
 */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (depth >= maxDepth) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const masked = maskSecrets(value[i], depth + 1);
      if (masked === value[i]) continue;
      copy ??= value.slice();
      copy[i] = masked;
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const current = value[key];
    const masked = secretFields.has(key) && current != null ? censor : maskSecrets(current, depth + 1);
    if (masked === current) continue;
    copy ??= { ...value };
    copy[key] = masked;
  }
  return copy ?? value;
}
