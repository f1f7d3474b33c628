import { hash } from 'node:crypto';
import { firstValue, looksLikeJwt, presentedCredential } from '@llm-gateway/plugin-kit';
import type { AuthInput, AuthScheme } from '@llm-gateway/spec';

/** Stands for a request that presents no credential any scheme reads (they share one count). */
const noCredential = 'none';

/** The `sub` (or dgen-ping's `soeid`) a JWT claims, read without verifying it. */
function unverifiedSubject(token: string): string | undefined {
  try {
    const claims: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { sub, soeid } = claims as { sub?: unknown; soeid?: unknown };
    return firstValue(sub) ?? firstValue(soeid);
  } catch {
    return undefined;
  }
}

/** What one scheme's credentials claim: its own answer, a JWT's subject, else the credential itself. */
function claimedBy(scheme: AuthScheme, input: AuthInput): string | undefined {
  const own = scheme.claimedIdentity?.(input);
  if (own !== undefined) return `id:${own}`;
  const names = scheme.credentialNames;
  if (!names) return undefined;
  const presented = presentedCredential(input, names.headers, names.query[0]);
  if (presented === undefined || presented.value === '') return undefined;
  const subject = looksLikeJwt(presented.value) ? unverifiedSubject(presented.value) : undefined;
  return subject === undefined ? `credential:${presented.value}` : `sub:${subject}`;
}

/**
 * A digest of who a request claims to be, so failed logins count per claimed identity and one bad client
 * behind a NAT does not lock out the rest. Hashed: the credential is never logged nor stored.
 */
export function claimedIdentity(schemes: readonly AuthScheme[], input: AuthInput): string {
  for (const scheme of schemes) {
    const claimed = claimedBy(scheme, input);
    if (claimed !== undefined) return hash('sha256', `${scheme.name}\0${claimed}`, 'hex').slice(0, 32);
  }
  return noCredential;
}
