import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { pluginDir } from '../__fixtures__/plugin-packages.js';
import { captureIo } from './__fixtures__/capture-io.js';
import { runCli } from './run-cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await pluginDir();
  await writeFile(
    path.join(cwd, 'gateway.yaml'),
    `
service: { name: cli-gateway, version: 1.2.3 }
server:
  port: \${PORT:-0}
logging:
  level: \${LOG_LEVEL:-warn}
backends:
  echo: { plugin: gateway-plugin-echo, config: { greeting: hey } }
  off: { plugin: gateway-plugin-echo, enabled: false }
routing: { defaultModel: echo-1, models: { e: echo } }
`,
  );
  await writeFile(path.join(cwd, 'bad.yaml'), 'server: { port: abc }\n');
});

const io = (env: NodeJS.ProcessEnv = {}) => captureIo(env, cwd);

describe('gateway check', () => {
  it('prints OK and a summary for a valid profile', async () => {
    const { io: cli, out, err } = io();
    expect(await runCli(['check', 'gateway.yaml'], cli)).toEqual({ exitCode: 0 });
    expect(err).toEqual([]);
    expect(out[0]).toMatch(/^OK .*gateway\.yaml$/);
    expect(out).toContain('service   cli-gateway 1.2.3');
    expect(out).toContain(
      'backends  echo (gateway-plugin-echo) enabled; off (gateway-plugin-echo) disabled: switched off in the profile (enabled: false)',
    );
    expect(out).toContain('routing   default model echo-1; 1 route');
  });

  it('exits 1 with the message naming the key for an invalid profile', async () => {
    const { io: cli, out, err } = io();
    expect(await runCli(['check', 'bad.yaml'], cli)).toEqual({ exitCode: 1 });
    expect(out).toEqual([]);
    expect(err.join('\n')).toBe(
      `profile ${path.relative(process.cwd(), path.join(cwd, 'bad.yaml'))}: server.port: Expected number, received "abc"`,
    );
  });

  it('uses GATEWAY_PROFILE when no file is given, and reports a missing file', async () => {
    const ok = io({ GATEWAY_PROFILE: 'gateway.yaml' });
    expect(await runCli(['check'], ok.io)).toEqual({ exitCode: 0 });
    const missing = io();
    expect(await runCli(['check', 'nope.yaml'], missing.io)).toEqual({ exitCode: 1 });
    expect(missing.err.join('\n')).toMatch(/nope\.yaml: \(file\): file not found/);
  });

  it('prints usage for help, and fails on unknown commands and options', async () => {
    const help = io();
    expect(await runCli(['--help'], help.io)).toEqual({ exitCode: 0 });
    expect(help.out.join('\n')).toContain('gateway check');
    const unknown = io();
    expect(await runCli(['launch'], unknown.io)).toEqual({ exitCode: 1 });
    expect(unknown.err.join('\n')).toContain("unknown command 'launch'");
    const badFlag = io();
    expect(await runCli(['start', '--port', '1'], badFlag.io)).toEqual({ exitCode: 1 });
  });
});

describe('gateway start', () => {
  it('listens on PORT from the environment and serves /health', async () => {
    const { io: cli } = io({ PORT: '0' });
    const result = await runCli(['start', '--profile', 'gateway.yaml'], cli);
    if (!('running' in result)) throw new Error('expected a running server');
    try {
      const response = await fetch(`${result.running.url}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        service: 'cli-gateway',
        backend: 'echo',
        model: 'echo-1',
      });
    } finally {
      await result.running.close();
    }
  });

  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

  // Needs the built package (`pnpm build` runs before the test suite).
  it.skipIf(!existsSync(bin))('exits 0 on SIGTERM after serving', async () => {
    const child: ChildProcess = spawn(process.execPath, [bin, 'start', '--profile', 'gateway.yaml'], {
      cwd,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', GATEWAY_PROFILE: '', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
        if (match) resolve(match[1]!);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('shutdown complete');
  });
});
