import { createHmac } from 'node:crypto';
import { type AuthInput, type AuthScheme, isDisabled } from '@llm-gateway/spec';
import { authConformance, gatewayRejection, recordingHost } from '@llm-gateway/testkit';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import plugin, { DEFAULT_TOKEN, parseDuration, TokenService } from './index.js';

const secret = 'test-secret-that-is-long-enough-for-hs256!';

async function scheme(
  config: Record<string, unknown> = {},
  host = recordingHost('jwt'),
): Promise<AuthScheme> {
  const created = await plugin.create(plugin.configSchema.parse({ secret, ...config }), host);
  if (isDisabled(created)) throw new Error(`unexpectedly disabled: ${created.reason}`);
  return created;
}

function input(headers: AuthInput['headers']): AuthInput {
  return { headers, query: {}, allowQueryCredentials: false };
}

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A token signed by hand, so header and payload bytes are exactly what the test says. */
function handSigned(header: object, payload: object, key = secret, hash = 'sha256'): string {
  const body = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${body}.${createHmac(hash, key).update(body).digest('base64url')}`;
}

async function issue(jwt: AuthScheme, soeid: string, claims?: Record<string, string>): Promise<string> {
  if (jwt.issueToken === undefined) throw new Error('issueToken missing');
  return jwt.issueToken(soeid, claims);
}

authConformance({
  plugin,
  config: { secret },
  validCredentials: {
    headers: {
      'x-api-token': handSigned({ alg: 'HS256', typ: 'JWT' }, { sub: 'ab12345', soeid: 'ab12345' }),
    },
  },
  invalidCredentials: [
    { label: 'a garbage token', credentials: { headers: { 'x-api-token': 'not-a-jwt-at-all' } } },
    {
      label: 'a token signed with another secret',
      credentials: {
        headers: { 'x-api-token': handSigned({ alg: 'HS256' }, { sub: 'ab12345' }, 'other-secret') },
      },
    },
    {
      label: 'an alg:none token in Authorization: Bearer',
      credentials: {
        headers: { authorization: `Bearer ${b64('{"alg":"none"}')}.${b64('{"sub":"ab12345"}')}.` },
      },
    },
    {
      label: 'the default token while it is off',
      credentials: { headers: { 'x-api-token': DEFAULT_TOKEN } },
    },
  ],
  expectedPrincipalId: 'ab12345',
  invalidConfigs: [
    42,
    'secret',
    { secret, algorithm: 'RS256' },
    { secret, algorithm: 'none' },
    { secret, bogus: 1 },
  ],
});

describe('auth-jwt config', () => {
  it('is disabled without a TOKEN_SECRET', async () => {
    for (const raw of [{}, { secret: '' }, { secret: null }]) {
      const created = await plugin.create(plugin.configSchema.parse(raw), recordingHost('jwt'));
      expect(created).toEqual({ disabled: true, reason: 'no token secret', missing: ['secret'] });
    }
  });

  it('reads string booleans the way env interpolation yields them', () => {
    const parse = (allowDefaultToken: unknown) =>
      plugin.configSchema.parse({ secret, allowDefaultToken }).allowDefaultToken;
    expect(parse('true')).toBe(true);
    expect(parse('false')).toBe(false);
    expect(parse('FALSE')).toBe(false);
    expect(parse('')).toBe(false);
    expect(parse(undefined)).toBe(false);
    expect(parse(true)).toBe(true);
    expect(plugin.configSchema.safeParse({ secret, allowDefaultToken: 'maybe' }).success).toBe(false);
    expect(plugin.configSchema.parse({ secret, acceptBearer: 'false' }).acceptBearer).toBe(false);
  });

  it('allows HS256 only and parses durations', () => {
    expect(plugin.configSchema.parse({ secret }).algorithm).toBe('HS256');
    expect(plugin.configSchema.safeParse({ secret, algorithm: 'HS512' }).success).toBe(false);
    expect(plugin.configSchema.parse({ secret, expiresIn: '30d' }).expiresIn).toBe(30 * 86_400);
    expect(plugin.configSchema.parse({ secret, expiresIn: '' }).expiresIn).toBeUndefined();
    expect(plugin.configSchema.safeParse({ secret, expiresIn: '30 fortnights' }).success).toBe(false);
    expect(parseDuration('90m')).toBe(5400);
    expect(parseDuration('3600')).toBe(3600);
    expect(parseDuration(0)).toBeUndefined();
  });

  it('warns about a short secret without logging it', async () => {
    const host = recordingHost('jwt');
    await plugin.create(plugin.configSchema.parse({ secret: 'dgen_secret_key' }), host);
    expect(host.lines.join('\n')).toContain('shorter than 32 bytes');
    expect(host.lines.join('\n')).not.toContain('dgen_secret_key');
  });
});

describe('auth-jwt tokens', () => {
  it('issues the same token for the same SOEID, and verifies it', async () => {
    const jwt = await scheme();
    const first = await issue(jwt, 'ab12345');
    expect(await issue(jwt, 'ab12345')).toBe(first);
    expect(await issue(await scheme(), 'ab12345')).toBe(first);
    expect(await issue(jwt, 'cd67890')).not.toBe(first);
    const payload = JSON.parse(Buffer.from(first.split('.')[1]!, 'base64url').toString());
    expect(payload).toEqual({ sub: 'ab12345', soeid: 'ab12345' });
    expect(await jwt.authenticate(input({ 'x-api-token': first }))).toEqual({
      id: 'ab12345',
      kind: 'user',
      scheme: 'jwt',
      attributes: {},
    });
  });

  it('carries project_id into the token and the principal', async () => {
    const jwt = await scheme();
    const plain = await issue(jwt, 'ab12345');
    const withProject = await issue(jwt, 'ab12345', { project_id: 'risk-analysis' });
    expect(withProject).not.toBe(plain);
    expect(await issue(jwt, 'ab12345', { project_id: 'risk-analysis' })).toBe(withProject);
    expect(await issue(jwt, 'ab12345', { project_id: '' })).toBe(plain);
    const principal = await jwt.verifyToken?.(withProject);
    expect(principal).toEqual({
      id: 'ab12345',
      kind: 'user',
      scheme: 'jwt',
      attributes: { project_id: 'risk-analysis' },
    });
  });

  it('refuses an empty SOEID and reserved claims when issuing', async () => {
    const jwt = await scheme();
    expect((await gatewayRejection(issue(jwt, '  '))).type).toBe('invalid_request');
    expect((await gatewayRejection(issue(jwt, 'ab12345', { sub: 'someone-else' }))).type).toBe(
      'invalid_request',
    );
    expect((await gatewayRejection(issue(jwt, 'ab12345', { exp: '1' }))).type).toBe('invalid_request');
  });

  it('accepts tokens from the original service that carry only soeid', async () => {
    const jwt = await scheme();
    const legacy = handSigned({ alg: 'HS256', typ: 'JWT' }, { soeid: 'ab12345', project_id: 'p1' });
    expect(await jwt.verifyToken?.(legacy)).toMatchObject({
      id: 'ab12345',
      attributes: { project_id: 'p1' },
    });
  });

  it('accepts Authorization: Bearer unless acceptBearer is off', async () => {
    const jwt = await scheme();
    const token = await issue(jwt, 'ab12345');
    expect((await jwt.authenticate(input({ authorization: `Bearer ${token}` })))?.id).toBe('ab12345');
    const headerOnly = await scheme({ acceptBearer: false });
    expect(await headerOnly.authenticate(input({ authorization: `Bearer ${token}` }))).toBeUndefined();
  });

  it('reads a configured header name case-insensitively', async () => {
    const jwt = await scheme({ header: 'X-Token' });
    const token = await issue(jwt, 'ab12345');
    expect((await jwt.authenticate(input({ 'x-token': token })))?.id).toBe('ab12345');
    expect(await jwt.authenticate(input({ 'x-api-token': token }))).toBeUndefined();
  });

  it('leaves non-JWT Bearer values and other Authorization schemes to other schemes', async () => {
    const jwt = await scheme();
    expect(await jwt.authenticate(input({ authorization: 'Bearer sk-an-api-key' }))).toBeUndefined();
    expect(await jwt.authenticate(input({ authorization: 'Basic Zm9vOmJhcg==' }))).toBeUndefined();
  });

  it('rejects an alg:none token built by hand, in either header', async () => {
    const jwt = await scheme();
    const unsigned = `${b64('{"alg":"none"}')}.${b64('{"sub":"ab12345","soeid":"ab12345"}')}.`;
    const error = await gatewayRejection(jwt.authenticate(input({ 'x-api-token': unsigned })));
    expect(error).toMatchObject({ type: 'authentication', status: 401, code: 'invalid_token' });
    await gatewayRejection(jwt.authenticate(input({ authorization: `Bearer ${unsigned}` })));
    await gatewayRejection(jwt.verifyToken!(unsigned));
  });

  it('rejects a token signed with another secret', async () => {
    const jwt = await scheme();
    const other = await scheme({ secret: 'a-completely-different-secret-of-length-32+' });
    const foreign = await issue(other, 'ab12345');
    const error = await gatewayRejection(jwt.authenticate(input({ 'x-api-token': foreign })));
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', message: 'Invalid token' });
  });

  it('rejects a token whose payload was altered after signing', async () => {
    const jwt = await scheme();
    const [header, , signature] = (await issue(jwt, 'ab12345')).split('.');
    const altered = `${header}.${b64('{"sub":"admin","soeid":"admin"}')}.${signature}`;
    await gatewayRejection(jwt.authenticate(input({ 'x-api-token': altered })));
  });

  it('rejects a token whose sub and soeid disagree, even when correctly signed', async () => {
    const jwt = await scheme();
    const mixed = handSigned({ alg: 'HS256' }, { sub: 'ab12345', soeid: 'admin' });
    await gatewayRejection(jwt.authenticate(input({ 'x-api-token': mixed })));
    const noSubject = handSigned({ alg: 'HS256' }, { project_id: 'p1' });
    await gatewayRejection(jwt.authenticate(input({ 'x-api-token': noSubject })));
  });

  it('rejects an HS512 token made with the same secret', async () => {
    const jwt = await scheme();
    const hs512 = await new SignJWT({ sub: 'ab12345', soeid: 'ab12345' })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new TextEncoder().encode(secret));
    await gatewayRejection(jwt.authenticate(input({ 'x-api-token': hs512 })));
    const handMade = handSigned({ alg: 'HS512' }, { sub: 'ab12345' }, secret, 'sha512');
    await gatewayRejection(jwt.authenticate(input({ 'x-api-token': handMade })));
  });

  it('rejects malformed strings with a 401, never a 500', async () => {
    const jwt = await scheme();
    const token = await issue(jwt, 'ab12345');
    const malformed = [
      '',
      'abc',
      'a.b',
      'a.b.c',
      '...',
      `${token}x`,
      `${token}.extra`,
      '\u0000\u00ff',
      'ey.ey.ey',
    ];
    for (const value of malformed) {
      const error = await gatewayRejection(jwt.authenticate(input({ 'x-api-token': value })));
      expect(error.status).toBe(401);
    }
  });

  it('never logs a token', async () => {
    const host = recordingHost('jwt');
    const jwt = await scheme({}, host);
    const token = await issue(jwt, 'ab12345');
    const foreign = handSigned({ alg: 'HS256' }, { sub: 'ab12345' }, 'other-secret');
    await jwt.authenticate(input({ 'x-api-token': token }));
    await gatewayRejection(jwt.authenticate(input({ 'x-api-token': foreign })));
    const logs = host.lines.join('\n');
    expect(logs).toContain('token rejected');
    expect(logs).not.toContain(token.split('.')[2]);
    expect(logs).not.toContain(foreign.split('.')[2]);
  });
});

describe('auth-jwt default token', () => {
  it('authenticates token 1 as the development principal when allowed, and warns loudly', async () => {
    const host = recordingHost('jwt');
    const jwt = await scheme({ allowDefaultToken: 'true', defaultPrincipal: 'local-dev' }, host);
    expect(host.lines.join('\n')).toMatch(/ALLOW_DEFAULT_TOKEN is ON/);
    expect(await jwt.authenticate(input({ 'x-api-token': '1' }))).toEqual({
      id: 'local-dev',
      kind: 'development',
      scheme: 'jwt',
    });
    expect((await jwt.authenticate(input({ authorization: 'Bearer 1' })))?.kind).toBe('development');
  });

  it('defaults the development principal to dev-user', async () => {
    const jwt = await scheme({ allowDefaultToken: true });
    expect((await jwt.authenticate(input({ 'x-api-token': '1' })))?.id).toBe('dev-user');
  });

  it('refuses token 1 when not allowed, and does not warn', async () => {
    const host = recordingHost('jwt');
    const jwt = await scheme({ allowDefaultToken: 'false' }, host);
    expect(host.lines.join('\n')).not.toMatch(/ALLOW_DEFAULT_TOKEN/);
    const error = await gatewayRejection(jwt.authenticate(input({ 'x-api-token': '1' })));
    expect(error).toMatchObject({ type: 'authentication', status: 401 });
    // A Bearer `1` may be someone else's API key; this scheme does not claim it.
    expect(await jwt.authenticate(input({ authorization: 'Bearer 1' }))).toBeUndefined();
  });
});

describe('auth-jwt expiry', () => {
  const day = 86_400;
  const start = Date.UTC(2025, 0, 1) + 5_000;

  it('keeps tokens stable within a window and changes them across windows', async () => {
    let now = start;
    const tokens = new TokenService({ secret, scheme: 'jwt', expiresInSeconds: day, now: () => now });
    const first = await tokens.issue('ab12345');
    now += 3_600_000;
    expect(await tokens.issue('ab12345')).toBe(first);
    now = start + day * 1000;
    expect(await tokens.issue('ab12345')).not.toBe(first);
    const exp = JSON.parse(Buffer.from(first.split('.')[1]!, 'base64url').toString()).exp;
    expect(exp).toBe(tokens.expiryFor(start));
    // Lives at least expiresIn and at most twice that.
    expect(exp - start / 1000).toBeGreaterThanOrEqual(day);
    expect(exp - start / 1000).toBeLessThanOrEqual(2 * day);
  });

  it('accepts a token before exp and rejects it after', async () => {
    let now = start;
    const tokens = new TokenService({ secret, scheme: 'jwt', expiresInSeconds: day, now: () => now });
    const token = await tokens.issue('ab12345');
    expect((await tokens.verify(token)).id).toBe('ab12345');
    now = start + 2 * day * 1000 + 1000;
    const error = await gatewayRejection(tokens.verify(token));
    expect(error).toMatchObject({ type: 'authentication', status: 401, code: 'token_expired' });
  });

  it('rejects an expired token through authenticate, using the real clock', async () => {
    const jwt = await scheme({ expiresIn: '1h' });
    const old = handSigned({ alg: 'HS256' }, { sub: 'ab12345', soeid: 'ab12345', exp: 1_000_000 });
    const error = await gatewayRejection(jwt.authenticate(input({ 'x-api-token': old })));
    expect(error.code).toBe('token_expired');
    const token = await issue(jwt, 'ab12345');
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp).toBeGreaterThan(
      Date.now() / 1000,
    );
  });

  it('requires the configured issuer', async () => {
    const jwt = await scheme({ issuer: 'llm-gateway' });
    const token = await issue(jwt, 'ab12345');
    expect((await jwt.authenticate(input({ 'x-api-token': token })))?.id).toBe('ab12345');
    const noIssuer = await issue(await scheme(), 'ab12345');
    await gatewayRejection(jwt.authenticate(input({ 'x-api-token': noIssuer })));
  });
});
