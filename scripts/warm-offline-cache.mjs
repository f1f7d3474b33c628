// Puts the registry metadata of every package in pnpm-lock.yaml into pnpm's cache, so that the tests that
// install packed plugins outside the workspace (`pnpm install --offline`) resolve without the network.
// A frozen install fills the store but never that cache. Runs at set-up time (scripts/dev.sh test).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lock = readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8');
// Keys of the `packages:` section: `  name@version:` or `  '@scope/name@version':`, two spaces in.
const section = lock.slice(lock.indexOf('\npackages:\n'), lock.indexOf('\nsnapshots:\n'));
const locked = [...section.matchAll(/^ {2}'?((?:@[^/\s]+\/)?[^@\s']+)@([^:\s'(]+)'?:/gm)].map((m) => [
  m[1],
  m[2],
]);

const dir = mkdtempSync(join(tmpdir(), 'gateway-offline-cache-'));
try {
  // Each locked version under an alias, so two versions of one package both resolve (and stay known-good).
  const dependencies = Object.fromEntries(
    locked.map(([name, version], i) => [`p${i}`, `npm:${name}@${version}`]),
  );
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'offline-cache', private: true, dependencies }),
  );
  execFileSync('pnpm', ['install', '--lockfile-only', '--ignore-scripts', '--reporter=append-only'], {
    cwd: dir,
    stdio: 'inherit',
  });
  console.log(`cached registry metadata of ${locked.length} locked packages`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
