/** The README's first command ends in `node e2e/demo/demo.mjs`: it must answer plainly and stop cleanly. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { freePort } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { cleanEnv, repoRoot } from './helpers/gateway.js';

describe('the demo', () => {
  it('prints the answer and what to try next, serves until Ctrl-C, then exits 0 quietly', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [resolve(repoRoot, 'e2e/demo/demo.mjs')], {
      env: cleanEnv({ PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const exit = once(child, 'exit');
    try {
      await expect.poll(() => out, { timeout: 20_000, interval: 100 }).toContain('Try next');
      expect(out).toMatch(/The gateway answered \(HTTP 200, \d+ tokens\):\n {2}\S/);
      expect(out).toContain(`http://127.0.0.1:${port}/v1/chat/completions`);
      const models = await fetch(`http://127.0.0.1:${port}/v1/models`, {
        headers: { authorization: 'Bearer demo-gateway-key' },
      });
      expect(models.status).toBe(200);
      // The first output is the demo's own: no build log, no JSON log lines at the default level.
      expect(out.trimStart().startsWith('Asked ')).toBe(true);
      child.kill('SIGINT');
      const [code, signal] = await exit;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(err).toBe('');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 40_000);
});
