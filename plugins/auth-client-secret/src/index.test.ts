import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuthInput, type AuthScheme, isDisabled } from '@llm-gateway/spec';
import { authConformance, gatewayRejection, recordingHost } from '@llm-gateway/testkit';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import plugin, { hashSecret, verifySecret } from './index.js';

const cheap = { cost: 1024 };
const secrets = { test: 'password-for-test-client', openai: 'openai-only-secret-42' };
const hashes = {
  test: await hashSecret(secrets.test, cheap),
  openai: await hashSecret(secrets.openai, cheap),
};

/** The DSP seed's example client, with its secret stored as a hash. */
function testClient(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: 'test_client',
    name: 'Test Client',
    client_secret_hash: hashes.test,
    allowed_providers: ['openai', 'groq'],
    default_provider: 'groq',
    default_model: 'mixtral-8x7b-32768',
    max_tokens_limit: 2000,
    rate_limit: { requests_per_minute: 60, tokens_per_day: 100000 },
    allowed_endpoints: ['generate', 'clients/reload'],
    created_at: '2025-03-16T20:00:00-04:00',
    updated_at: '2025-03-16T20:00:00-04:00',
    ...overrides,
  };
}

const openaiOnly = {
  client_id: 'openai_only_client',
  name: 'OpenAI Only Client',
  client_secret_hash: hashes.openai,
  allowed_providers: ['openai'],
};

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function clientDir(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'auth-client-secret-'));
  dirs.push(dir);
  await writeFiles(dir, files);
  return dir;
}

async function writeFiles(dir: string, files: Record<string, unknown>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await writeFile(
      join(dir, name),
      typeof content === 'string' ? content : JSON.stringify(content, null, 2),
    );
  }
}

async function scheme(config: Record<string, unknown>, host = recordingHost('clients')): Promise<AuthScheme> {
  const created = await plugin.create(plugin.configSchema.parse(config), host);
  if (isDisabled(created)) throw new Error(`unexpectedly disabled: ${created.reason}`);
  return created;
}

function creds(id?: string, secret?: string, extra: AuthInput['headers'] = {}): AuthInput {
  const headers: AuthInput['headers'] = { ...extra };
  if (id !== undefined) headers.client_id = id;
  if (secret !== undefined) headers.client_secret = secret;
  return { headers, query: {}, allowQueryCredentials: false };
}

authConformance({
  plugin,
  config: async () => ({ dir: await clientDir({ 'test_client.json': testClient() }) }),
  validCredentials: { headers: { client_id: 'test_client', client_secret: secrets.test } },
  invalidCredentials: [
    {
      label: 'a wrong secret',
      credentials: { headers: { client_id: 'test_client', client_secret: 'wrong-secret' } },
    },
    {
      label: 'an unknown client id',
      credentials: { headers: { client_id: 'nobody_client', client_secret: secrets.test } },
    },
    { label: 'a secret without an id', credentials: { headers: { client_secret: secrets.test } } },
    { label: 'an id without a secret', credentials: { headers: { client_id: 'test_client' } } },
  ],
  expectedPrincipalId: 'test_client',
  invalidConfigs: [
    42,
    'configs/clients',
    { dir: 'x', idHeader: 7 },
    { dir: 'x', cacheTtlMs: -1 },
    { dirs: 'x' },
  ],
});

describe('auth-client-secret', () => {
  let dir: string;
  let clients: AuthScheme;
  beforeEach(async () => {
    dir = await clientDir({ 'test_client.json': testClient(), 'openai_only_client.json': openaiOnly });
    clients = await scheme({ dir });
  });

  it('loads every client file and authenticates with the seed fields mapped onto the principal', async () => {
    expect(await clients.authenticate(creds('test_client', secrets.test))).toEqual({
      id: 'test_client',
      kind: 'client',
      scheme: 'clients',
      displayName: 'Test Client',
      limits: { requestsPerMinute: 60, tokensPerDay: 100000 },
      allowedProviders: ['openai', 'groq'],
      allowedEndpoints: ['generate', 'clients/reload'],
      defaults: { provider: 'groq', model: 'mixtral-8x7b-32768', maxTokensLimit: 2000 },
    });
    expect(await clients.authenticate(creds('openai_only_client', secrets.openai))).toEqual({
      id: 'openai_only_client',
      kind: 'client',
      scheme: 'clients',
      displayName: 'OpenAI Only Client',
      allowedProviders: ['openai'],
    });
  });

  it('hands out copies, so a caller cannot change the next principal', async () => {
    const first = await clients.authenticate(creds('test_client', secrets.test));
    first?.allowedProviders?.push('deepseek');
    const second = await clients.authenticate(creds('test_client', secrets.test));
    expect(second?.allowedProviders).toEqual(['openai', 'groq']);
  });

  it('gives the same error for a wrong secret, an unknown id and a missing header', async () => {
    const failures = [
      creds('test_client', secrets.openai),
      creds('openai_only_client', secrets.test),
      creds('no_such_client', secrets.test),
      creds('test_client'),
      creds(undefined, secrets.test),
      creds('', ''),
    ];
    for (const input of failures) {
      const error = await gatewayRejection(clients.authenticate(input));
      expect(error).toMatchObject({
        type: 'authentication',
        status: 401,
        code: 'invalid_client',
        message: 'Invalid client credentials',
      });
    }
  });

  it('returns undefined when neither header is present', async () => {
    expect(await clients.authenticate(creds())).toBeUndefined();
    expect(await clients.authenticate(creds(undefined, undefined, { 'x-api-key': 'k' }))).toBeUndefined();
  });

  it('reads configured header names', async () => {
    const custom = await scheme({ dir, idHeader: 'X-Client-Id', secretHeader: 'X-Client-Secret' });
    const input = { headers: { 'x-client-id': 'test_client', 'x-client-secret': secrets.test }, query: {} };
    expect((await custom.authenticate({ ...input, allowQueryCredentials: false }))?.id).toBe('test_client');
    expect(await custom.authenticate(creds('test_client', secrets.test))).toBeUndefined();
  });

  it('picks up edits on disk after reload, without a restart', async () => {
    expect((await clients.authenticate(creds('test_client', secrets.test)))?.limits?.requestsPerMinute).toBe(
      60,
    );
    const rotated = await hashSecret('rotated-secret', cheap);
    await writeFiles(dir, {
      'test_client.json': testClient({ client_secret_hash: rotated, rate_limit: { requests_per_minute: 5 } }),
      'groq_only_client.json': { ...openaiOnly, client_id: 'groq_only_client', allowed_providers: ['groq'] },
    });
    await unlink(join(dir, 'openai_only_client.json'));
    // Before reload the files in memory still rule, including the cached verification.
    expect(await clients.authenticate(creds('test_client', secrets.test))).toBeDefined();

    expect(await clients.reload?.()).toMatchObject({ count: 2, errors: [], skipped: [] });
    // The old secret was cached as valid; reload must forget it.
    await gatewayRejection(clients.authenticate(creds('test_client', secrets.test)));
    const principal = await clients.authenticate(creds('test_client', 'rotated-secret'));
    expect(principal?.limits).toEqual({ requestsPerMinute: 5 });
    expect((await clients.authenticate(creds('groq_only_client', secrets.openai)))?.allowedProviders).toEqual(
      ['groq'],
    );
    await gatewayRejection(clients.authenticate(creds('openai_only_client', secrets.openai)));
  });

  it('keeps the clients in force when the directory disappears before a reload', async () => {
    await rm(dir, { recursive: true, force: true });
    const result = await clients.reload?.();
    expect(result?.count).toBe(2);
    expect(result?.errors[0]).toMatch(/cannot be read \(ENOENT\)/);
    expect((await clients.authenticate(creds('test_client', secrets.test)))?.id).toBe('test_client');
  });
});

describe('auth-client-secret file validation', () => {
  it('skips a malformed JSON file with its name and problem, without quoting its content', async () => {
    const leaky = '{"client_id": "broken", "client_secret_hash": "leaked-value-xyz", ';
    const dir = await clientDir({ 'test_client.json': testClient(), 'broken.json': leaky });
    const host = recordingHost('clients');
    const clients = await scheme({ dir }, host);
    expect((await clients.authenticate(creds('test_client', secrets.test)))?.id).toBe('test_client');
    const { count, errors } = (await clients.reload?.()) ?? { count: 0, errors: [] };
    expect(count).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^broken\.json: not valid JSON/);
    expect(errors[0]).not.toContain('leaked-value-xyz');
    expect(host.lines.join('\n')).toContain('"file":"broken.json","reason":"not valid JSON');
    expect(host.lines.join('\n')).not.toContain('leaked-value-xyz');
  });

  it('plaintext client_secret was skipped (401): now accepted with a loud warning that never shows it', async () => {
    const plaintext = { ...openaiOnly, client_secret: 'plain-secret-xyz', client_secret_hash: undefined };
    const dir = await clientDir({ 'test_client.json': testClient(), 'plain.json': plaintext });
    const host = recordingHost('clients');
    const clients = await scheme({ dir }, host);
    expect((await clients.authenticate(creds('openai_only_client', 'plain-secret-xyz')))?.id).toBe(
      'openai_only_client',
    );
    await gatewayRejection(clients.authenticate(creds('openai_only_client', 'wrong')));
    const result = await clients.reload?.();
    expect(result).toMatchObject({ count: 2, errors: [], skipped: [] });
    expect(result?.warnings).toEqual([
      {
        file: 'plain.json',
        reason: expect.stringMatching(/^PLAINTEXT client_secret.*hash-secret --rewrite/),
      },
    ]);
    expect(host.lines.join('\n')).toContain('PLAINTEXT client_secret');
    expect(host.lines.join('\n')).not.toContain('plain-secret-xyz');
  });

  it('seed-format file (no secret) was silently counted: skipped with its reason, or uses defaultSecret', async () => {
    const seedFormat = testClient({ client_secret_hash: undefined });
    const both = { ...openaiOnly, client_secret: 'x' };
    const dir = await clientDir({ 'test_client.json': seedFormat, 'both.json': both });
    const strict = await scheme({ dir });
    const result = await strict.reload?.();
    expect(result?.count).toBe(0);
    expect(result?.skipped).toEqual([
      { file: 'both.json', reason: expect.stringContaining('has both client_secret and client_secret_hash') },
      { file: 'test_client.json', reason: expect.stringMatching(/^no client_secret_hash .*defaultSecret/) },
    ]);
    await gatewayRejection(strict.authenticate(creds('test_client', 'shared-secret')));

    // The seed kept one secret for every client: `defaultSecret`, plaintext or a scrypt hash.
    for (const defaultSecret of ['shared-secret', await hashSecret('shared-secret', cheap)]) {
      const shared = await scheme({ dir, defaultSecret });
      expect((await shared.authenticate(creds('test_client', 'shared-secret')))?.id).toBe('test_client');
      await gatewayRejection(shared.authenticate(creds('test_client', 'other')));
      const reloaded = await shared.reload?.();
      expect(reloaded?.count).toBe(1);
      expect(reloaded?.warnings?.[0]).toMatchObject({ file: 'test_client.json' });
    }
  });

  it('reports invalid fields, unknown keys, bad hashes and duplicate ids, file by file', async () => {
    const dir = await clientDir({
      'a_first.json': testClient(),
      'b_duplicate.json': testClient({ name: 'Impostor' }),
      'c_limits.json': { ...openaiOnly, client_id: 'c', rate_limit: { requests_per_minute: -1 } },
      'd_typo.json': { ...openaiOnly, client_id: 'd', allowed_provider: ['openai'] },
      'e_hash.json': { ...openaiOnly, client_id: 'e', client_secret_hash: 'sha256$abc' },
      'f_array.json': [testClient()],
      'g_missing.json': { name: 'No id' },
      'notes.txt': 'not a client file',
    });
    const clients = await scheme({ dir });
    const { count, errors } = (await clients.reload?.()) ?? { count: 0, errors: [] };
    expect(count).toBe(1);
    expect(errors).toHaveLength(6);
    expect(errors[0]).toMatch(/^b_duplicate\.json: duplicate client_id 'test_client'/);
    expect(errors[1]).toMatch(/^c_limits\.json: rate_limit\.requests_per_minute: /);
    expect(errors[2]).toMatch(/^d_typo\.json: .*allowed_provider/);
    expect(errors[3]).toMatch(/^e_hash\.json: client_secret_hash: must be scrypt\$N\$r\$p/);
    expect(errors[4]).toBe('f_array.json: not a JSON object');
    expect(errors[5]).toMatch(/^g_missing\.json: .*client_id/);
    expect((await clients.authenticate(creds('test_client', secrets.test)))?.displayName).toBe('Test Client');
  });

  it('follows symlinked files and skips dot entries, as Kubernetes ConfigMap mounts lay them out', async () => {
    const dir = await clientDir({});
    await mkdir(join(dir, '..data'));
    await writeFiles(join(dir, '..data'), { 'test_client.json': testClient() });
    await symlink(join('..data', 'test_client.json'), join(dir, 'test_client.json'));
    const clients = await scheme({ dir });
    expect(await clients.reload?.()).toMatchObject({ count: 1, errors: [], skipped: [] });
  });

  it('starts with no clients in an empty directory, and warns', async () => {
    const host = recordingHost('clients');
    const clients = await scheme({ dir: await clientDir({}) }, host);
    expect(host.lines.join('\n')).toContain('no client configurations loaded');
    await gatewayRejection(clients.authenticate(creds('test_client', secrets.test)));
  });

  it('is disabled without a directory and refuses to start on an unreadable one', async () => {
    const created = await plugin.create(plugin.configSchema.parse({ dir: '' }), recordingHost('clients'));
    expect(created).toEqual({ disabled: true, reason: 'no client config directory', missing: ['dir'] });
    const missing = join(tmpdir(), 'auth-client-secret-does-not-exist');
    await expect(
      plugin.create(plugin.configSchema.parse({ dir: missing }), recordingHost('clients')),
    ).rejects.toThrow(/cannot be read \(ENOENT\)/);
  });

  // A symlink to itself fails to read for every user, root included (chmod 000 would not).
  it('reports a client file that cannot be read and loads the rest', async () => {
    const dir = await clientDir({ 'test_client.json': testClient() });
    await symlink('locked.json', join(dir, 'locked.json'));
    const clients = await scheme({ dir });
    expect(await clients.reload?.()).toMatchObject({
      count: 1,
      errors: ['locked.json: cannot be read (ELOOP)'],
      skipped: [{ file: 'locked.json', reason: 'cannot be read (ELOOP)' }],
    });
  });
});

describe('exports for `gateway hash-secret`', () => {
  it('hashSecret and verifySecret round-trip through the package index', async () => {
    const encoded = await hashSecret('from-the-cli');
    expect(await verifySecret('from-the-cli', encoded)).toBe(true);
    expect(await verifySecret('from-the-cl1', encoded)).toBe(false);
  });
});
