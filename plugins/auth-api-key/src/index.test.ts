import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuthInput, type AuthScheme, isDisabled } from '@llm-gateway/spec';
import { authConformance, gatewayRejection, recordingHost } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { keyIdFor } from './index.js';

async function scheme(config: unknown, host = recordingHost('keys')): Promise<AuthScheme> {
  const created = await plugin.create(plugin.configSchema.parse(config), host);
  if (isDisabled(created)) throw new Error(`unexpectedly disabled: ${created.reason}`);
  return created;
}

function input(
  headers: AuthInput['headers'],
  query: Record<string, unknown> = {},
  allowQuery = false,
): AuthInput {
  return { headers, query, allowQueryCredentials: allowQuery };
}

authConformance({
  plugin,
  config: { keys: [{ id: 'team-a', key: 'sk-team-a-secret' }, 'sk-plain-secret'] },
  validCredentials: { headers: { 'x-api-key': 'sk-team-a-secret' } },
  invalidCredentials: [
    { label: 'a wrong key in X-API-Key', credentials: { headers: { 'x-api-key': 'sk-wrong-secret' } } },
    { label: 'a wrong Bearer key', credentials: { headers: { authorization: 'Bearer sk-wrong-secret' } } },
    { label: 'a wrong key in ?api_key=', credentials: { query: { api_key: 'sk-wrong-secret' } } },
    { label: 'an empty key', credentials: { headers: { 'x-api-key': '' } } },
    { label: 'a prefix of a valid key', credentials: { headers: { 'x-api-key': 'sk-team-a' } } },
  ],
  expectedPrincipalId: 'team-a',
});

describe('auth-api-key', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auth-api-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a configured key in X-API-Key and names the principal by a hashed id', async () => {
    const keys = await scheme({ keys: 'test-key-123,demo-key-456' });
    const principal = await keys.authenticate(input({ 'x-api-key': 'demo-key-456' }));
    expect(principal).toEqual({ id: keyIdFor('demo-key-456'), kind: 'api_key', scheme: 'keys' });
    expect(principal?.id).toMatch(/^key-[0-9a-f]{8}$/);
    expect(principal?.id).not.toContain('demo');
  });

  it('keeps ids stable across instances and distinct across keys', async () => {
    const first = await scheme({ keys: 'alpha-key' });
    const second = await scheme({ keys: ['beta-key', 'alpha-key'] });
    const a1 = await first.authenticate(input({ 'x-api-key': 'alpha-key' }));
    const a2 = await second.authenticate(input({ 'x-api-key': 'alpha-key' }));
    const b = await second.authenticate(input({ 'x-api-key': 'beta-key' }));
    expect(a1?.id).toBe(a2?.id);
    expect(b?.id).not.toBe(a1?.id);
  });

  it('accepts Authorization: Bearer, case-insensitively', async () => {
    const keys = await scheme({ keys: 'sk-abc' });
    expect((await keys.authenticate(input({ authorization: 'Bearer sk-abc' })))?.kind).toBe('api_key');
    expect((await keys.authenticate(input({ authorization: 'bearer   sk-abc ' })))?.kind).toBe('api_key');
  });

  it('leaves other Authorization schemes and JWT-shaped bearer tokens to other schemes', async () => {
    const keys = await scheme({ keys: 'sk-abc' });
    expect(await keys.authenticate(input({ authorization: 'Basic dXNlcjpwYXNz' }))).toBeUndefined();
    expect(await keys.authenticate(input({ authorization: 'Bearer aaa.bbb.ccc' }))).toBeUndefined();
  });

  it('returns undefined when no credential is present', async () => {
    const keys = await scheme({ keys: 'sk-abc' });
    expect(await keys.authenticate(input({ 'content-type': 'application/json' }))).toBeUndefined();
  });

  it('reads the query parameter only when the surface allows it', async () => {
    const keys = await scheme({ keys: 'sk-abc' });
    expect(await keys.authenticate(input({}, { api_key: 'sk-abc' }, false))).toBeUndefined();
    expect((await keys.authenticate(input({}, { api_key: 'sk-abc' }, true)))?.kind).toBe('api_key');
    const wrong = await gatewayRejection(keys.authenticate(input({}, { api_key: 'nope' }, true)));
    expect(wrong.code).toBe('invalid_api_key');
  });

  it('honours a custom header list and query parameter name', async () => {
    const keys = await scheme({ keys: 'sk-abc', headers: 'X-Custom-Key', queryParam: 'token' });
    expect((await keys.authenticate(input({ 'x-custom-key': 'sk-abc' })))?.kind).toBe('api_key');
    expect(await keys.authenticate(input({ 'x-api-key': 'sk-abc' }))).toBeUndefined();
    expect((await keys.authenticate(input({}, { token: 'sk-abc' }, true)))?.kind).toBe('api_key');
  });

  it('rejects a wrong key with a 401 that does not echo the key', async () => {
    const host = recordingHost('keys');
    const keys = await scheme({ keys: 'sk-right' }, host);
    for (const headers of [{ 'x-api-key': 'sk-wrong-secret' }, { authorization: 'Bearer sk-wrong-secret' }]) {
      const error = await gatewayRejection(keys.authenticate(input(headers)));
      expect(error.type).toBe('authentication');
      expect(error.status).toBe(401);
      expect(error.code).toBe('invalid_api_key');
      expect(error.message).toBe('Invalid API key');
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain('sk-wrong-secret');
    }
    expect(host.lines.join('\n')).not.toContain('sk-right');
  });

  it('rejects an empty key, in a header or as a bare Bearer', async () => {
    const keys = await scheme({ keys: 'sk-abc' });
    expect((await gatewayRejection(keys.authenticate(input({ 'x-api-key': '' })))).code).toBe(
      'invalid_api_key',
    );
    expect((await gatewayRejection(keys.authenticate(input({ 'x-api-key': '   ' })))).code).toBe(
      'invalid_api_key',
    );
    expect((await gatewayRejection(keys.authenticate(input({ authorization: 'Bearer' })))).code).toBe(
      'invalid_api_key',
    );
  });

  it('matches keys of any length: digests of equal length go to timingSafeEqual', async () => {
    const long = 'k'.repeat(500);
    const keys = await scheme({ keys: ['x', long, 'medium-length-key'] });
    expect((await keys.authenticate(input({ 'x-api-key': 'x' })))?.id).toBe(keyIdFor('x'));
    expect((await keys.authenticate(input({ 'x-api-key': long })))?.id).toBe(keyIdFor(long));
    // Raw buffers of different lengths would make timingSafeEqual throw a RangeError instead.
    for (const presented of [
      '',
      'y',
      'k'.repeat(499),
      'k'.repeat(501),
      'medium-length-kez',
      'é'.repeat(40),
    ]) {
      const error = await gatewayRejection(keys.authenticate(input({ 'x-api-key': presented })));
      expect(error.code).toBe('invalid_api_key');
    }
  });

  it('takes ids and limits from object entries', async () => {
    const limits = { requestsPerMinute: 60, burst: 10 };
    const keys = await scheme({ keys: [{ id: 'team-a', key: 'sk-team-a', limits }, 'sk-plain'] });
    expect(await keys.authenticate(input({ 'x-api-key': 'sk-team-a' }))).toEqual({
      id: 'team-a',
      kind: 'api_key',
      scheme: 'keys',
      limits,
    });
    expect((await keys.authenticate(input({ 'x-api-key': 'sk-plain' })))?.limits).toBeUndefined();
  });

  it('loads a key file with ids, bare keys, comments and blank lines', async () => {
    const file = join(dir, 'keys.txt');
    await writeFile(file, '# team keys\nalice:sk-alice\n\n  sk-bare  \nbroken:\n#bob:sk-bob\n');
    const host = recordingHost('keys');
    const keys = await scheme({ keys: '', file }, host);
    expect((await keys.authenticate(input({ 'x-api-key': 'sk-alice' })))?.id).toBe('alice');
    expect((await keys.authenticate(input({ 'x-api-key': 'sk-bare' })))?.id).toBe(keyIdFor('sk-bare'));
    await gatewayRejection(keys.authenticate(input({ 'x-api-key': 'sk-bob' })));
    expect(host.lines.some((line) => line.includes('line 5: empty key'))).toBe(true);
    expect(host.lines.join('\n')).not.toMatch(/sk-alice|sk-bare/);
  });

  it('reloads the key file and keeps the old keys when it becomes unreadable', async () => {
    const file = join(dir, 'reload.txt');
    await writeFile(file, 'one:sk-one\n');
    const keys = await scheme({ keys: 'sk-static', file });
    await writeFile(file, 'two:sk-two\n');
    expect(await keys.reload?.()).toEqual({ count: 2, errors: [] });
    expect((await keys.authenticate(input({ 'x-api-key': 'sk-two' })))?.id).toBe('two');
    await gatewayRejection(keys.authenticate(input({ 'x-api-key': 'sk-one' })));
    await rm(file);
    const result = await keys.reload?.();
    expect(result?.errors[0]).toContain('ENOENT');
    expect((await keys.authenticate(input({ 'x-api-key': 'sk-two' })))?.id).toBe('two');
  });

  it('fails to start when the named key file cannot be read', async () => {
    await expect(scheme({ keys: 'sk-abc', file: join(dir, 'missing.txt') })).rejects.toThrow(/ENOENT/);
  });

  it('is disabled when no keys are configured', async () => {
    for (const config of [{ keys: '' }, { keys: ' , ,' }, { keys: [] }, { keys: null }, {}]) {
      const created = await plugin.create(plugin.configSchema.parse(config), recordingHost('keys'));
      expect(created).toEqual({
        disabled: true,
        reason: 'no API keys configured',
        missing: ['keys', 'file'],
      });
    }
  });

  it('rejects an invalid config', () => {
    expect(plugin.configSchema.safeParse({ keys: [{ key: 'k', limits: { burst: -1 } }] }).success).toBe(
      false,
    );
    expect(plugin.configSchema.safeParse({ keys: 42 }).success).toBe(false);
    expect(plugin.configSchema.safeParse({ keys: 'k', headers: [] }).success).toBe(false);
  });
});
