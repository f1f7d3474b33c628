import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RedisInstance, startRedis } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '../../dist/cli.js');
const repoRoot = path.resolve(here, '../../../..');
/** A check that has not exited by then is hung (it used to wait forever on an open Redis socket). */
const hungAfterMs = 30_000;

let redis: RedisInstance;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Runs `gateway check` as a process and reports how it ended: its exit code, or `hung`. */
function check(
  profile: string,
  env: Record<string, string>,
): Promise<{ code: number | 'hung'; output: string }> {
  const child = spawn(process.execPath, [bin, 'check', profile], {
    cwd: repoRoot,
    env: { ...process.env, GATEWAY_PROFILE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'hung', output });
    }, hungAfterMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

// Needs the built package (`pnpm build` runs before the test suite).
describe.skipIf(!existsSync(bin))('gateway check with REDIS_URL set (real redis-server)', () => {
  it('never exited once the task queue and its workers had opened Redis: exits 0 with the summary', async () => {
    const result = await check('configs/inference.yaml', { REDIS_URL: redis.url });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('OK configs/inference.yaml');
  }, 40_000);

  it('exits 1 naming the bad setting when a plugin fails after Redis was opened', async () => {
    const result = await check('configs/inference.yaml', { REDIS_URL: redis.url, TEMPERATURE: 'hot' });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(/defaultTemperature/);
  }, 40_000);

  it('exits 0 for the all-surfaces profile, which shares Redis between the queue, cache and limits', async () => {
    const result = await check('configs/all-surfaces.yaml', {
      REDIS_URL: redis.url,
      TOKEN_SECRET: 'check-secret',
    });
    expect(result.code, result.output).toBe(0);
  }, 40_000);
});
