import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadClients } from './client-store.js';
import { exampleSecretWarning } from './example-secret.js';
import { hashSecret } from './secret-hash.js';

const shipped = fileURLToPath(new URL('../../../configs/clients', import.meta.url));
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the published example secret', () => {
  it('loads the shipped example clients (secret `password`) with a warning on each', async () => {
    const loaded = await loadClients(shipped);
    expect(loaded.clients.size).toBeGreaterThan(0);
    const warned = loaded.warnings.filter((note) => note.reason === exampleSecretWarning).map((n) => n.file);
    expect(warned.sort()).toEqual([...loaded.clients.keys()].map((id) => `${id}.json`).sort());
  });

  it('warns for a plaintext `password` and not for a client with its own secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'example-secret-'));
    dirs.push(dir);
    const own = await hashSecret('a-real-secret-8c1f', { cost: 1024 });
    await writeFile(join(dir, 'a.json'), JSON.stringify({ client_id: 'a', client_secret: 'password' }));
    await writeFile(join(dir, 'b.json'), JSON.stringify({ client_id: 'b', client_secret_hash: own }));
    const loaded = await loadClients(dir);
    expect(loaded.clients.size).toBe(2);
    expect(loaded.warnings.filter((note) => note.reason === exampleSecretWarning)).toEqual([
      { file: 'a.json', reason: exampleSecretWarning },
    ]);
  });
});
