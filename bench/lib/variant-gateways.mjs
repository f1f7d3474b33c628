// Runs that compare settings of one gateway (memory-run, workers-run): bench/profile.yaml with extra
// `server:` settings, and the simulators with the environment that profile reads.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startUpstreams } from './processes.mjs';

export const clientKey = 'bench-client-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'bench-variants-'));
const baseProfile = readFileSync(join(repoRoot, 'bench/profile.yaml'), 'utf8');

/** bench/profile.yaml with `serverLine` (e.g. `workers: 2`) added to its server section; returns the file. */
export function profileWithServer(name, serverLine) {
  const file = join(dir, `profile-${name}.yaml`);
  writeFileSync(file, baseProfile.replace(/^server:\n/m, `server:\n  ${serverLine}\n`));
  return file;
}

/** Starts the simulators (stopped by `stops`); returns them and the environment of bench/profile.yaml. */
export async function startVariantUpstreams(stops) {
  const upstreams = await startUpstreams();
  stops.push(upstreams.stop);
  const env = {
    BENCH_UPSTREAM_URL: upstreams.fast,
    BENCH_SLOW_UPSTREAM_URL: upstreams.slow,
    BENCH_UPSTREAM_KEY: 'bench-upstream-key',
    BENCH_API_KEY: clientKey,
    LOG_LEVEL: 'warn',
  };
  return { upstreams, env };
}
