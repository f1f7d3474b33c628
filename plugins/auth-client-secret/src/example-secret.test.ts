import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuthScheme, GatewayError, isDisabled } from '@llm-gateway/spec';
import { recordingHost } from '@llm-gateway/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { loadClients } from './client-store.js';
import { exampleSecretRefusal, exampleSecretWarning } from './example-secret.js';
import plugin from './index.js';
import { hashSecret } from './secret-hash.js';

const shipped = fileURLToPath(new URL('../../../configs/clients', import.meta.url));
const shippedFiles = ['groq_only_client.json', 'openai_only_client.json', 'test_client.json'];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'example-secret-'));
  dirs.push(dir);
  return dir;
}

async function scheme(config: Record<string, unknown>, host = recordingHost('clients')): Promise<AuthScheme> {
  const created = await plugin.create(plugin.configSchema.parse(config), host);
  if (isDisabled(created)) throw new Error(`unexpectedly disabled: ${created.reason}`);
  return created;
}

const example = { client_id: 'test_client', client_secret: 'password' };
const login = (id: string, secret: string) => ({
  headers: { client_id: id, client_secret: secret },
  query: {},
  allowQueryCredentials: false,
});

describe('the published example secret', () => {
  it('loaded the shipped example clients (secret `password`) with only an error line: now each is refused by name', async () => {
    const loaded = await loadClients(shipped);
    expect(loaded.clients.size).toBe(0);
    expect(loaded.skipped).toEqual(shippedFiles.map((file) => ({ file, reason: exampleSecretRefusal })));
    expect(loaded.errors).toEqual(shippedFiles.map((file) => `${file}: ${exampleSecretRefusal}`));
  });

  it('refuses the example client at start and on reload: it cannot log in nor reach clients/reload', async () => {
    const dir = await tempDir();
    await cp(shipped, dir, { recursive: true, filter: (source) => !source.endsWith('.md') });
    const host = recordingHost('clients');
    const clients = await scheme({ dir }, host);
    expect(host.lines.join('\n')).toContain('"file":"test_client.json"');
    expect(host.lines.join('\n')).toContain('example secret');
    await expect(
      clients.authenticate(login(example.client_id, example.client_secret)),
    ).rejects.toBeInstanceOf(GatewayError);
    // A file edited back to the example secret is refused by the reload too, and named in its answer.
    const own = await hashSecret('a-real-secret-8c1f', { cost: 1024 });
    await writeFile(
      join(dir, 'test_client.json'),
      JSON.stringify({ client_id: 'test_client', client_secret_hash: own }),
    );
    expect((await clients.reload?.())?.count).toBe(1);
    expect((await clients.authenticate(login('test_client', 'a-real-secret-8c1f')))?.id).toBe('test_client');
    await writeFile(join(dir, 'test_client.json'), JSON.stringify(example));
    const reloaded = await clients.reload?.();
    expect(reloaded?.count).toBe(0);
    expect(reloaded?.skipped).toContainEqual({ file: 'test_client.json', reason: exampleSecretRefusal });
    await expect(
      clients.authenticate(login(example.client_id, example.client_secret)),
    ).rejects.toBeInstanceOf(GatewayError);
  });

  it('refuses a shared defaultSecret that is the example one for every file relying on it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'seed.json'), JSON.stringify({ client_id: 'seed' }));
    const loaded = await loadClients(dir, { defaultHash: await hashSecret('password', { cost: 1024 }) });
    expect(loaded.clients.size).toBe(0);
    expect(loaded.skipped).toEqual([{ file: 'seed.json', reason: exampleSecretRefusal }]);
  });

  it('loads them with a warning on each when allowExampleSecret is set (demos and tests only)', async () => {
    const loaded = await loadClients(shipped, { allowExampleSecret: true });
    expect([...loaded.clients.keys()].sort()).toEqual([
      'groq_only_client',
      'openai_only_client',
      'test_client',
    ]);
    const warned = loaded.warnings.filter((note) => note.reason === exampleSecretWarning).map((n) => n.file);
    expect(warned.sort()).toEqual(shippedFiles);
    const clients = await scheme({ dir: shipped, allowExampleSecret: 'true' });
    expect((await clients.authenticate(login(example.client_id, example.client_secret)))?.id).toBe(
      'test_client',
    );
  });

  it('leaves a client with its own secret alone', async () => {
    const dir = await tempDir();
    const own = await hashSecret('a-real-secret-8c1f', { cost: 1024 });
    await writeFile(join(dir, 'a.json'), JSON.stringify({ client_id: 'a', client_secret: 'password' }));
    await writeFile(join(dir, 'b.json'), JSON.stringify({ client_id: 'b', client_secret_hash: own }));
    const loaded = await loadClients(dir);
    expect([...loaded.clients.keys()]).toEqual(['b']);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.skipped).toEqual([{ file: 'a.json', reason: exampleSecretRefusal }]);
  });
});
