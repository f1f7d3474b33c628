import { GatewayError, type Principal } from '@llm-gateway/spec';
import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';

export interface TokenServiceOptions {
  secret: string;
  /** The scheme instance name written into principals. */
  scheme: string;
  expiresInSeconds?: number | undefined;
  issuer?: string | undefined;
  /** Milliseconds since the epoch; injectable so expiry can be tested without waiting. */
  now?: () => number;
}

/** Claims the service writes itself; a caller may not set them. */
const reservedClaims = new Set(['sub', 'soeid', 'iss', 'exp', 'iat', 'nbf', 'jti', 'aud']);

/** `cause` (jose's error, which never quotes the token) is for logs, not for the client. */
export function invalidToken(cause?: unknown): GatewayError {
  return new GatewayError('authentication', 'Invalid token', { code: 'invalid_token', cause });
}

export function expiredToken(cause?: unknown): GatewayError {
  return new GatewayError('authentication', 'Token has expired', { code: 'token_expired', cause });
}

/** Why a token was refused, for debug logs: never the token itself. */
export function rejectionReason(error: unknown): string {
  if (error instanceof GatewayError && error.cause instanceof errors.JOSEError) return error.cause.code;
  if (error instanceof GatewayError) return error.code ?? error.type;
  return 'unknown';
}

/**
 * Issues and verifies dgen-ping tokens. Issuing is deterministic: HS256 over a fixed claim order
 * with no `iat`/`jti`, so one subject (and project) always yields the same token.
 */
export class TokenService {
  readonly #key: Uint8Array;
  readonly #options: TokenServiceOptions;
  readonly #now: () => number;

  constructor(options: TokenServiceOptions) {
    this.#options = options;
    this.#key = new TextEncoder().encode(options.secret);
    this.#now = options.now ?? Date.now;
  }

  /**
   * `exp` for a token issued at `nowMs`: the end of the window after the current one, so every
   * token issued within one window is identical and lives between expiresIn and twice that.
   */
  expiryFor(nowMs: number): number | undefined {
    const window = this.#options.expiresInSeconds;
    if (window === undefined) return undefined;
    return (Math.floor(Math.floor(nowMs / 1000) / window) + 2) * window;
  }

  async issue(subject: string, claims: Record<string, string> = {}): Promise<string> {
    const soeid = typeof subject === 'string' ? subject.trim() : '';
    if (soeid === '') {
      throw new GatewayError('invalid_request', 'soeid is required', {
        code: 'missing_soeid',
        param: 'soeid',
      });
    }
    const payload: JWTPayload = { sub: soeid, soeid };
    for (const name of Object.keys(claims).sort()) {
      const value: unknown = claims[name];
      if (value === undefined || value === null || value === '') continue;
      if (reservedClaims.has(name)) {
        throw new GatewayError('invalid_request', `Claim '${name}' cannot be set`, { param: name });
      }
      if (typeof value !== 'string') {
        throw new GatewayError('invalid_request', `Claim '${name}' must be a string`, { param: name });
      }
      payload[name] = value;
    }
    if (this.#options.issuer !== undefined) payload.iss = this.#options.issuer;
    const exp = this.expiryFor(this.#now());
    if (exp !== undefined) payload.exp = exp;
    return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(this.#key);
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        algorithms: ['HS256'],
        currentDate: new Date(this.#now()),
        ...(this.#options.issuer === undefined ? {} : { issuer: this.#options.issuer }),
      }));
    } catch (error) {
      throw error instanceof errors.JWTExpired ? expiredToken(error) : invalidToken(error);
    }
    // Tokens from the original service may carry only `soeid`; when both are present they must agree.
    const soeid = payload.soeid === undefined ? payload.sub : payload.soeid;
    if (typeof soeid !== 'string' || soeid === '') throw invalidToken();
    if (payload.sub !== undefined && payload.sub !== soeid) throw invalidToken();
    const attributes: Record<string, string> = {};
    if (typeof payload.project_id === 'string' && payload.project_id !== '') {
      attributes.project_id = payload.project_id;
    }
    return { id: soeid, kind: 'user', scheme: this.#options.scheme, attributes };
  }
}
