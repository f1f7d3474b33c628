import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseSecretHash, verifySecret } from '@llm-gateway/auth-client-secret';
import { describe, expect, it } from 'vitest';
import { captureIo } from './__fixtures__/capture-io.js';
import { hashSecretCommand } from './hash-secret-command.js';
import { runCli } from './run-cli.js';

const io = () => captureIo();

/** A fake terminal: raw mode is recorded, keystrokes arrive as one chunk. */
function terminal(keys: string) {
  const input = Object.assign(Readable.from([keys]), {
    isTTY: true,
    modes: [] as boolean[],
    setRawMode(raw: boolean) {
      input.modes.push(raw);
      return input;
    },
  });
  return input;
}

describe('gateway hash-secret', () => {
  it('hashes a secret piped on stdin (one trailing newline is not part of it)', async () => {
    const { io: cli, out, err } = io();
    expect(await hashSecretCommand(undefined, cli, Readable.from(['  s3cret with spaces \n']))).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    expect(parseSecretHash(out[0]!)).toBeDefined();
    expect(await verifySecret('  s3cret with spaces ', out[0]!)).toBe(true);
    expect(await verifySecret('  s3cret with spaces \n', out[0]!)).toBe(false);
  });

  it('reads a typed secret with echo off, honouring backspace, and restores the terminal', async () => {
    const { io: cli, out, err } = io();
    const input = terminal('passwordd\u007f\r ignored');
    expect(await hashSecretCommand(undefined, cli, input)).toBe(0);
    expect(input.modes).toEqual([true, false]);
    expect(err.join('\n')).toMatch(/not echoed/);
    expect(err.join('\n')).not.toContain('password');
    expect(await verifySecret('password', out[0]!)).toBe(true);
  });

  it('takes the secret as an argument through the command table, with a history warning', async () => {
    const { io: cli, out, err } = io();
    expect(await runCli(['hash-secret', 'password'], cli)).toEqual({ exitCode: 0 });
    expect(await verifySecret('password', out[0]!)).toBe(true);
    expect(err.join('\n')).toMatch(/shell history/);
    // Salted: the same secret never hashes the same twice.
    const again = io();
    await runCli(['hash-secret', 'password'], again.io);
    expect(again.out[0]).not.toBe(out[0]);
  });

  it('refuses an empty secret and Ctrl-C', async () => {
    const empty = io();
    await expect(hashSecretCommand(undefined, empty.io, Readable.from(['\n']))).rejects.toThrow(/empty/);
    const cancelled = io();
    await expect(hashSecretCommand(undefined, cancelled.io, terminal('abc\u0003'))).rejects.toThrow(
      /cancelled/,
    );
    expect(cancelled.out).toEqual([]);
  });

  it('--rewrite converts the plaintext secrets of a client directory in place, one line per file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hash-secret-rewrite-'));
    try {
      const plain = { client_id: 'test_client', client_secret: 'password', max_tokens_limit: 2000 };
      await writeFile(path.join(dir, 'test_client.json'), JSON.stringify(plain, null, 4));
      await writeFile(path.join(dir, 'broken.json'), '{');
      const { io: cli, out, err } = io();
      expect(await runCli(['hash-secret', '--rewrite', dir], cli)).toEqual({ exitCode: 1 });
      expect(out).toEqual([
        'broken.json: failed (not valid JSON)',
        'test_client.json: converted (client_secret replaced by client_secret_hash)',
      ]);
      expect(err.join('\n')).toContain('1 converted, 1 failed, 0 unchanged');
      const file = JSON.parse(await readFile(path.join(dir, 'test_client.json'), 'utf8'));
      expect(file).toMatchObject({ client_id: 'test_client', max_tokens_limit: 2000 });
      expect(file).not.toHaveProperty('client_secret');
      expect(await verifySecret('password', file.client_secret_hash)).toBe(true);
      expect([...out, ...err].join('\n')).not.toContain('password');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('works from the built binary with the secret on stdin', async () => {
    const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
    const child: ChildProcess = spawn(process.execPath, [bin, 'hash-secret'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin!.end('from-a-pipe\n');
    expect(await code, stderr).toBe(0);
    expect(await verifySecret('from-a-pipe', stdout.trim())).toBe(true);
  });
});
