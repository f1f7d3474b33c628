/**
 * A plugin author's path, outside the repository: `gateway new-plugin` scaffolds a backend and an auth
 * scheme into a temp directory, each passes its own conformance tests, builds and packs; the tarballs
 * are installed next to the built gateway, which loads them by package name from a profile and serves
 * the openai SDK through them. Installs use the local pnpm store only (--offline).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, runGatewayCli, startGateway } from './helpers/gateway.js';
import { installOffline, lockedOverrides, mustRun, packGatewayPackages } from './helpers/offline-install.js';

const upstreamKey = 'sk-upstream-acme';
const clientKey = 'acme-client-key-0123456789';
let root: string;
let sim: Simulator;
let gateway: Gateway | undefined;
const outputs: string[] = [];

/** Scaffolds `kind` as `name` and runs its own tests unchanged; returns its directory. */
async function scaffoldAndTest(kind: string, name: string, overrides: Record<string, string>) {
  const dir = join(root, `${kind}-${name}`);
  const scaffold = await runGatewayCli(['new-plugin', kind, name, '--dir', dir]);
  if (scaffold.code !== 0) throw new Error(scaffold.output);
  await installOffline(dir, overrides);
  outputs.push(await mustRun('pnpm', ['test'], dir));
  return dir;
}

/** Scaffolds `kind` as `name`, runs its own tests unchanged, builds and packs it; returns the tarball. */
async function scaffoldAndPack(kind: string, name: string, overrides: Record<string, string>) {
  const dir = await scaffoldAndTest(kind, name, overrides);
  await mustRun('pnpm', ['run', 'build'], dir);
  return packTarball(dir, join(root, 'tarballs'));
}

async function packTarball(dir: string, destination: string): Promise<string> {
  const output = await mustRun('pnpm', ['pack', '--pack-destination', destination], dir);
  return output.trim().split('\n').at(-1)?.trim() ?? '';
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gateway-plugin-outside-'));
  const tarballs = join(root, 'tarballs');
  mkdirSync(tarballs);
  const overrides = lockedOverrides(await packGatewayPackages(tarballs));
  const backendTarball = await scaffoldAndPack('backend', 'acme', overrides);
  const authTarball = await scaffoldAndPack('auth', 'acme', overrides);
  // The other scaffolds pass their own suites too (the custom-wire backend: e2e/plugin-registry.test.ts).
  await scaffoldAndTest('sink', 'acme', overrides);
  await scaffoldAndTest('surface', 'acme', overrides);

  // The operator's directory: the gateway starts here and resolves plugins from its node_modules.
  const deploy = join(root, 'deploy');
  mkdirSync(deploy);
  const dependencies = { 'backend-acme': `file:${backendTarball}`, 'auth-acme': `file:${authTarball}` };
  writeFileSync(
    join(deploy, 'package.json'),
    JSON.stringify({ name: 'deploy', private: true, dependencies }),
  );
  await installOffline(deploy, overrides);

  sim = await startOpenAISimulator({ apiKey: upstreamKey, models: ['acme-model'] });
  writeFileSync(
    join(deploy, 'gateway.yaml'),
    `service: { name: outside, version: 0.0.1 }
backends:
  acme:
    plugin: backend-acme
    config: { apiKey: ${upstreamKey}, baseURL: "${sim.url}/v1", models: [acme-model] }
auth:
  keys:
    plugin: auth-acme
    config: { keys: { alice: ${clientKey} } }
surfaces:
  openai: { plugin: surface-openai, auth: [keys] }
routing: { defaultModel: acme-model }
`,
  );
  gateway = await startGateway({ profile: join(deploy, 'gateway.yaml'), cwd: deploy });
}, 240_000);

afterAll(async () => {
  await gateway?.stop();
  await sim?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const client = (apiKey = clientKey) =>
  new OpenAI({ apiKey, baseURL: `${gateway?.url}/v1`, maxRetries: 0, timeout: 20_000 });

describe('plugins scaffolded, packed and installed outside the repository', () => {
  it("ran each scaffold's own conformance suite unchanged", () => {
    expect(outputs).toHaveLength(4);
    for (const output of outputs) expect(output).toMatch(/Tests\s+\d+ passed/);
  });

  it('serves a chat completion through the installed backend, authenticated by the installed scheme', async () => {
    const completion = await client().chat.completions.create({
      model: 'acme-model',
      messages: [{ role: 'user', content: 'hello from outside' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: hello from outside');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(sim.lastRequest()?.path).toBe('/v1/chat/completions');
    expect(sim.lastRequest()?.headers.authorization).toBe(`Bearer ${upstreamKey}`);
  });

  it('streams through the installed backend', async () => {
    const stream = await client().chat.completions.create({
      model: 'acme-model',
      messages: [{ role: 'user', content: 'stream from outside' }],
      stream: true,
    });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('Echo: stream from outside');
    expect(finish).toBe('stop');
    expect(sim.lastRequest()?.stream).toBe(true);
  });

  it('refuses a wrong key with 401 through the installed auth scheme', async () => {
    const attempt = client('wrong-client-key-0123456789').chat.completions.create({
      model: 'acme-model',
      messages: [{ role: 'user', content: 'let me in' }],
    });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
