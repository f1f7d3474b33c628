import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rewriteClientFiles } from './client-rewrite.js';
import { verifySecret } from './secret-hash.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const seedClient = {
  client_id: 'test_client',
  name: 'Test Client',
  client_secret: 'password',
  allowed_providers: ['openai', 'groq'],
  rate_limit: { requests_per_minute: 60, tokens_per_day: 100000 },
  created_at: '2025-03-16T20:00:00-04:00',
};

describe('rewriteClientFiles (gateway hash-secret --rewrite)', () => {
  it('replaces a plaintext client_secret by its hash in place, keeping the other fields, order and indent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'client-rewrite-'));
    dirs.push(dir);
    await writeFile(join(dir, 'test_client.json'), `${JSON.stringify(seedClient, null, 4)}\n`);
    await chmod(join(dir, 'test_client.json'), 0o640);
    await writeFile(join(dir, 'seed_format.json'), JSON.stringify({ client_id: 'seed_format' }));
    await writeFile(join(dir, 'broken.json'), '{"client_secret": "leak-me"');
    // A ConfigMap-style link: the target is rewritten, the link stays a link.
    await writeFile(join(dir, '.target'), JSON.stringify({ client_id: 'linked', client_secret: 's2' }));
    await symlink('.target', join(dir, 'linked.json'));

    const outcomes = await rewriteClientFiles(dir);
    expect(outcomes.map(({ file, result }) => `${file}: ${result}`)).toEqual([
      'broken.json: failed',
      'linked.json: converted',
      'seed_format.json: unchanged',
      'test_client.json: converted',
    ]);
    expect(JSON.stringify(outcomes)).not.toMatch(/password|leak-me|s2/);

    const text = await readFile(join(dir, 'test_client.json'), 'utf8');
    const rewritten = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(rewritten)).toEqual([
      'client_id',
      'name',
      'client_secret_hash',
      'allowed_providers',
      'rate_limit',
      'created_at',
    ]);
    const { client_secret: _, ...kept } = seedClient;
    expect(rewritten).toMatchObject(kept);
    expect(await verifySecret('password', rewritten.client_secret_hash as string)).toBe(true);
    expect(text).toMatch(/^ {4}"client_id"/m);
    expect(text.endsWith('}\n')).toBe(true);
    expect((await stat(join(dir, 'test_client.json'))).mode & 0o777).toBe(0o640);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(JSON.parse(await readFile(join(dir, '.target'), 'utf8'))).toHaveProperty('client_secret_hash');

    // Run twice: nothing left to convert.
    const again = await rewriteClientFiles(dir);
    expect(again.find((outcome) => outcome.file === 'test_client.json')).toMatchObject({
      result: 'unchanged',
      reason: 'already hashed',
    });
  });
});
