/**
 * Publishable packages, proven through a real registry: Verdaccio 6.8.0 on 127.0.0.1 (temp storage, no
 * uplink; third-party packages mirrored into it from the workspace's installed copies), every
 * @llm-gateway package published to it with `pnpm publish`, then in an empty directory outside the
 * repository, with only that registry: the commands of docs/plugins.md ("A provider with its own HTTP
 * API, end to end") install the server, scaffold a custom-wire backend, install, test, build and pack
 * it, install it beside the server and serve a request through it, the provider being the scaffold's
 * own simulator.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type Simulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, repoRoot, stopGroup } from './helpers/gateway.js';
import {
  type LocalRegistry,
  lockedClosure,
  mirrorIntoStorage,
  startRegistry,
} from './helpers/local-registry.js';
import { run } from './helpers/offline-install.js';

/** The workspace packages a release publishes: the contracts, helpers, testkit, core, server and every plugin. */
const publishedDirs = [
  ...['spec', 'plugin-kit', 'openai-compatible', 'testkit', 'core', 'server'].map((dir) => `packages/${dir}`),
  ...readdirSync(join(repoRoot, 'plugins')).map((dir) => `plugins/${dir}`),
];
/** What a scaffolded plugin builds and tests with, beside its @llm-gateway dependencies. */
const toolchain = ['typescript', 'vitest', '@types/node'];

let root: string;
let registry: LocalRegistry | undefined;
let provider: Simulator | undefined;
let gateway: ChildProcess | undefined;
const transcript: string[] = [];

/** The environment of every client command: only the local registry, a fresh cache, no install scripts. */
function clientEnv(extra: Record<string, string> = {}): Record<string, string> {
  return cleanEnv({
    npm_config_registry: `${registry?.url}/`,
    npm_config_userconfig: join(root, 'npmrc'),
    npm_config_cache: join(root, 'npm-cache'),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_ignore_scripts: 'true',
    // Peers the packages declare are installed as their dependents list them, as pnpm resolved them.
    npm_config_legacy_peer_deps: 'true',
    ...extra,
  });
}

/** Runs one documented command line (`npm install ...`) in `cwd`; throws with its output on failure. */
async function step(line: string, cwd: string, env = clientEnv()): Promise<string> {
  const [command, ...args] = line.split(' ') as [string, ...string[]];
  const result = await run(command, args, cwd, 180_000, env);
  transcript.push(`$ ${line}\n${result.output}`);
  if (result.code !== 0) throw new Error(`${line} failed (${result.code}):\n${result.output}`);
  return result.output;
}

async function publishWorkspace(reg: LocalRegistry): Promise<void> {
  const host = reg.url.replace(/^http:/, '');
  writeFileSync(join(root, 'publish-npmrc'), `${host}/:_authToken=${reg.token}\n`);
  const filters = publishedDirs.flatMap((dir) => ['--filter', `./${dir}`]);
  const args = [
    '-r',
    ...filters,
    'publish',
    '--registry',
    `${reg.url}/`,
    '--no-git-checks',
    '--access',
    'public',
  ];
  const env = cleanEnv({ npm_config_userconfig: join(root, 'publish-npmrc') });
  const result = await run('pnpm', args, repoRoot, 240_000, env);
  transcript.push(`$ pnpm ${args.join(' ')}\n${result.output}`);
  if (result.code !== 0) throw new Error(`publish failed:\n${result.output}`);
}

async function startInstalledGateway(cwd: string, port: number): Promise<string> {
  const child = spawn('npx', ['gateway', 'start', '--profile', 'gateway.yaml'], {
    cwd,
    env: clientEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gateway = child;
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      output = (output + chunk).slice(-50_000);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; tries < 300; tries++) {
    if (child.exitCode !== null) throw new Error(`the installed gateway exited:\n${output}`);
    if (
      await fetch(`${url}/health`).then(
        () => true,
        () => false,
      )
    )
      return url;
    await sleep(100);
  }
  throw new Error(`the installed gateway did not answer:\n${output}`);
}

let gatewayUrl: string;
let pluginTestOutput: string;
let tarballName: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gateway-registry-'));
  writeFileSync(join(root, 'npmrc'), '');
  const closure = lockedClosure(publishedDirs, toolchain);
  registry = await startRegistry(join(root, 'registry'), (storage, url) =>
    mirrorIntoStorage(storage, url, closure),
  );
  await publishWorkspace(registry);

  // The plugin author's and operator's directory: empty, outside the repository.
  const app = join(root, 'app');
  mkdirSync(app);
  await step('npm install @llm-gateway/server', app);
  await step('npx gateway new-plugin backend acme --wire custom', app);
  const plugin = join(app, 'backend-acme');
  await step('npm install', plugin);
  pluginTestOutput = await step('npm test', plugin);
  await step('npm run build', plugin);
  tarballName = (await step('npm pack', plugin)).trim().split('\n').at(-1)?.trim() ?? '';
  await step(`npm install ./backend-acme/${tarballName}`, app);

  // The provider: the scaffold's own simulator of its HTTP API.
  const simulatorModule = join(plugin, 'src/simulator.fixture.ts');
  const { startProviderSimulator } = (await import(simulatorModule)) as {
    startProviderSimulator(options: { models: string[] }): Promise<Simulator>;
  };
  provider = await startProviderSimulator({ models: ['example-model'] });
  const port = await freePort();
  writeFileSync(
    join(app, 'gateway.yaml'),
    `server: { host: 127.0.0.1, port: ${port} }
backends:
  acme:
    plugin: backend-acme
    config: { baseURL: "${provider.url}", models: [example-model] }
surfaces:
  openai: { plugin: surface-openai, auth: [] }
routing: { defaultModel: example-model }
`,
  );
  gatewayUrl = await startInstalledGateway(app, port);
}, 600_000);

afterAll(async () => {
  if (gateway) await stopGroup(gateway);
  await provider?.close();
  await registry?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the packages published to a local registry serve a plugin written outside the repository', () => {
  it('published every package with workspace ranges turned into real versions', async () => {
    const response = await fetch(`${registry?.url}/@llm-gateway%2fserver`);
    expect(response.status).toBe(200);
    const packument = (await response.json()) as {
      'dist-tags': { latest: string };
      versions: Record<string, { dependencies: Record<string, string>; bin: Record<string, string> }>;
    };
    const latest = packument.versions[packument['dist-tags'].latest];
    expect(latest?.bin.gateway).toBeDefined();
    for (const range of Object.values(latest?.dependencies ?? {})) expect(range).not.toMatch(/^workspace:/);
  });

  it("ran the scaffold's own conformance suite against its simulator, skipping what it declared it lacks", () => {
    expect(pluginTestOutput).toMatch(/Tests\s+\d+ passed \| \d+ skipped/);
    expect(pluginTestOutput).toContain('the provider declares capabilities.tools: false');
    expect(tarballName).toMatch(/^backend-acme-0\.1\.0\.tgz$/);
  });

  it('installed only from the local registry', () => {
    const lock = readFileSync(join(root, 'app/package-lock.json'), 'utf8');
    const resolved = [...lock.matchAll(/"resolved": "([^"]+)"/g)].map((match) => match[1] as string);
    expect(resolved.length).toBeGreaterThan(10);
    for (const url of resolved)
      expect(url.startsWith(`${registry?.url}/`) || url.startsWith('file:')).toBe(true);
  });

  it('serves a chat completion and a stream through the installed plugin', async () => {
    const ask = (stream: boolean) =>
      fetch(`${gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'example-model',
          stream,
          messages: [{ role: 'user', content: 'hello acme' }],
        }),
      });
    const response = await ask(false);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.choices[0]?.message.content).toBe('Echo: hello acme');
    expect(provider?.lastRequest('/generate')?.body).toMatchObject({ model: 'example-model', stream: false });
    const streamed = await (await ask(true)).text();
    expect(streamed).toContain('data: [DONE]');
    expect(provider?.lastRequest('/generate')?.body).toMatchObject({ stream: true });
  });
});
