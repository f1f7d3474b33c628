import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from './__fixtures__/capture-io.js';
import { runCli } from './run-cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'new-plugin-'));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

const read = async (dir: string, file: string) => readFile(path.join(cwd, dir, file), 'utf8');

describe('gateway new-plugin', () => {
  it('writes a backend package named backend-<name> that depends on spec and tests with testkit', async () => {
    const { io, out, err } = captureIo({}, cwd);
    expect(await runCli(['new-plugin', 'backend', 'acme'], io)).toEqual({ exitCode: 0 });
    expect(err).toEqual([]);
    expect(out.join('\n')).toContain(
      `wrote backend plugin backend-acme to ${path.join(cwd, 'backend-acme')}`,
    );
    const pkg = JSON.parse(await read('backend-acme', 'package.json'));
    expect(pkg.name).toBe('backend-acme');
    expect(pkg.dependencies['@llm-gateway/spec']).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(pkg.devDependencies['@llm-gateway/testkit']).toBe(pkg.dependencies['@llm-gateway/spec']);
    expect(pkg.files).toEqual(['dist']);
    expect(await read('backend-acme', 'src/index.ts')).toContain("name: 'backend-acme'");
    expect(await read('backend-acme', 'src/index.test.ts')).toContain('backendConformance(');
    expect(await read('backend-acme', 'README.md')).toContain('plugin: backend-acme');
  });

  it('writes an auth package into --dir, keeping a scoped name as given', async () => {
    const { io } = captureIo({}, cwd);
    expect(await runCli(['new-plugin', 'auth', '@acme/auth-keys', '--dir', 'keys'], io)).toEqual({
      exitCode: 0,
    });
    expect(JSON.parse(await read('keys', 'package.json')).name).toBe('@acme/auth-keys');
    expect(await read('keys', 'src/index.test.ts')).toContain('authConformance(');
  });

  it('writes a backend for a provider with its own wire (--wire custom), with its simulator kept out of dist', async () => {
    const { io } = captureIo({}, cwd);
    expect(await runCli(['new-plugin', 'backend', 'ndjson', '--wire', 'custom'], io)).toEqual({
      exitCode: 0,
    });
    const pkg = JSON.parse(await read('backend-ndjson', 'package.json'));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@llm-gateway/plugin-kit', '@llm-gateway/spec']);
    expect(await read('backend-ndjson', 'src/index.ts')).toContain('/generate');
    expect(await read('backend-ndjson', 'src/index.test.ts')).toContain('simulator: startProviderSimulator');
    expect(await read('backend-ndjson', 'src/simulator.fixture.ts')).toContain('startSimulator(');
    expect(JSON.parse(await read('backend-ndjson', 'tsconfig.build.json')).exclude).toContain(
      'src/**/*.fixture.ts',
    );
    const auth = captureIo({}, cwd);
    expect(await runCli(['new-plugin', 'auth', 'x', '--wire', 'custom'], auth.io)).toEqual({ exitCode: 1 });
    expect(auth.err.join('\n')).toContain('applies to backends only');
  });

  it('writes sink and surface packages tested by their conformance suites', async () => {
    for (const [kind, suite] of [
      ['sink', 'sinkConformance('],
      ['surface', 'surfaceConformance('],
    ] as const) {
      const { io } = captureIo({}, cwd);
      expect(await runCli(['new-plugin', kind, 'acme'], io)).toEqual({ exitCode: 0 });
      expect(JSON.parse(await read(`${kind}-acme`, 'package.json')).name).toBe(`${kind}-acme`);
      expect(await read(`${kind}-acme`, 'src/index.ts')).toContain(`kind: '${kind}'`);
      expect(await read(`${kind}-acme`, 'src/index.test.ts')).toContain(suite);
    }
  });

  it('refuses an unknown kind, a bad name and a non-empty directory', async () => {
    const kind = captureIo({}, cwd);
    expect(await runCli(['new-plugin', 'widget', 'x'], kind.io)).toEqual({ exitCode: 1 });
    expect(kind.err.join('\n')).toContain('usage: gateway new-plugin <backend|auth|sink|surface> <name>');
    const name = captureIo({}, cwd);
    expect(await runCli(['new-plugin', 'backend', 'Acme Corp'], name.io)).toEqual({ exitCode: 1 });
    expect(name.err.join('\n')).toContain("'backend-Acme Corp' is not a valid npm package name");
    await writeFile(path.join(cwd, 'occupied.txt'), 'x');
    const full = captureIo({}, cwd);
    expect(await runCli(['new-plugin', 'backend', 'x', '--dir', '.'], full.io)).toEqual({ exitCode: 1 });
    expect(full.err.join('\n')).toContain('exists and is not empty');
  });
});
