import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type AdminCheck = (request: FastifyRequest) => boolean;

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The key presented: `Bearer <key>`, or `Basic` with the key as password (a browser's own prompt). */
function presentedKey(header: string | undefined): string | undefined {
  const [scheme, value] = (header ?? '').trim().split(/\s+/, 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

/** True when the request carries one of the admin keys; compared as digests, in constant time. */
export function adminCheck(keys: readonly string[]): AdminCheck {
  const digests = keys.map(digest);
  return (request) => {
    const key = presentedKey(request.headers.authorization);
    if (key === undefined) return false;
    const seen = digest(key);
    return digests.reduce((found, known) => timingSafeEqual(known, seen) || found, false);
  };
}

/** 401 in the gateway's error format; the Basic challenge lets a browser open the dashboard. */
export function refuseAdmin(reply: FastifyReply): FastifyReply {
  return reply
    .code(401)
    .header('www-authenticate', ['Bearer realm="gateway-admin"', 'Basic realm="gateway-admin"'])
    .send({
      error: {
        type: 'authentication',
        message: 'An admin key is required: Authorization: Bearer <one of GATEWAY_ADMIN_KEYS>',
        code: 'admin_key_required',
      },
    });
}
