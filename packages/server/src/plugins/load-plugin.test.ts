import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendSource, pluginDir, writePackage } from '../__fixtures__/plugin-packages.js';
import { testSurfacePlugin } from '../__fixtures__/test-plugins.js';
import { parseProfile } from '../profile/load-profile.js';
import { ProfileError } from '../profile/profile-error.js';
import { buildServer } from '../server/build-server.js';
import { loadPlugin, PluginLoadError, pluginCandidates } from './load-plugin.js';

let cwd: string;
beforeAll(async () => {
  cwd = await pluginDir();
  await writePackage(cwd, '@acme/gateway-echo', backendSource());
  await writePackage(cwd, 'backend-shortish', backendSource());
  await writePackage(cwd, 'gateway-plugin-future', backendSource().replace("'v1'", "'v2'"));
  await writePackage(
    cwd,
    'gateway-plugin-surface',
    backendSource().replace("kind: 'backend'", "kind: 'surface'"),
  );
  await writePackage(cwd, 'gateway-plugin-broken', 'export default 42;');
  await mkdir(path.join(cwd, 'local'), { recursive: true });
  await writeFile(path.join(cwd, 'local', 'plugin.mjs'), backendSource());
});

async function loadError(spec: string, kind: 'backend' | 'auth' = 'backend'): Promise<string> {
  const error = await loadPlugin(spec, kind, { cwd }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginLoadError);
  return (error as Error).message;
}

describe('loadPlugin', () => {
  it('maps first-party short names and leaves other names alone', () => {
    expect(pluginCandidates('backend-openai')).toEqual(['@llm-gateway/backend-openai', 'backend-openai']);
    expect(pluginCandidates('gateway-plugin-foo')).toEqual(['gateway-plugin-foo']);
    expect(pluginCandidates('@acme/backend-x')).toEqual(['@acme/backend-x']);
  });

  it('loads third-party packages by name from the working directory, scoped or not', async () => {
    expect((await loadPlugin('gateway-plugin-echo', 'backend', { cwd })).name).toBe('echo');
    expect((await loadPlugin('@acme/gateway-echo', 'backend', { cwd })).kind).toBe('backend');
    // A short-looking name with no first-party package falls back to the bare name.
    expect((await loadPlugin('backend-shortish', 'backend', { cwd })).name).toBe('echo');
    expect((await loadPlugin('./local/plugin.mjs', 'backend', { cwd })).name).toBe('echo');
  });

  it('refuses a missing package, a wrong kind, another specification version and a non-plugin', async () => {
    expect(await loadError('gateway-plugin-missing')).toMatch(/package not found/);
    expect(await loadError('gateway-plugin-surface')).toMatch(
      /is a surface plugin, but a backend plugin is needed/,
    );
    expect(await loadError('gateway-plugin-echo', 'auth')).toMatch(/is a backend plugin, but an auth plugin/);
    expect(await loadError('gateway-plugin-future')).toMatch(
      /specificationVersion "v2"; this gateway loads 'v1'/,
    );
    expect(await loadError('gateway-plugin-broken')).toMatch(/no default export that is a plugin definition/);
  });
});

describe('plugins named in a profile', () => {
  const profile = (backend: string, config = '{}') =>
    parseProfile(
      `
backends: { echo: { plugin: '${backend}', config: ${config} } }
routing: { defaultModel: echo-1, models: {} }
surfaces: { api: { plugin: surface-test, auth: [] } }
logging: { level: silent }
`,
      { source: 'configs/p.yaml', env: {} },
    );

  it('serves requests through a third-party backend loaded by package name', async () => {
    const gateway = await buildServer(profile('gateway-plugin-echo', '{ greeting: Yo }'), {
      cwd,
      plugins: { 'surface-test': testSurfacePlugin },
    });
    try {
      const response = await gateway.app.inject({
        method: 'POST',
        url: '/chat',
        payload: { messages: [{ role: 'user', content: 'hi' }] },
      });
      expect(response.json()).toMatchObject({ text: 'Yo: hi', backend: 'echo', model: 'echo-1' });
      expect(gateway.instances).toContainEqual({
        section: 'backends',
        name: 'echo',
        plugin: 'gateway-plugin-echo',
        enabled: true,
      });
    } finally {
      await gateway.close();
    }
  });

  async function buildError(backend: string, config?: string): Promise<ProfileError> {
    const error = await buildServer(profile(backend, config), {
      cwd,
      plugins: { 'surface-test': testSurfacePlugin },
    }).then(
      async (gateway) => {
        await gateway.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProfileError);
    return error as ProfileError;
  }

  it('fails the start naming the key when a plugin cannot be used', async () => {
    expect((await buildError('gateway-plugin-surface')).message).toMatch(
      /^profile configs\/p\.yaml: backends\.echo\.plugin: plugin 'gateway-plugin-surface' .* is a surface plugin/,
    );
    expect((await buildError('nope-not-installed')).message).toMatch(
      /^profile configs\/p\.yaml: backends\.echo\.plugin: cannot load plugin 'nope-not-installed': package not found/,
    );
  });

  it("validates the config block with the plugin's own schema", async () => {
    expect((await buildError('gateway-plugin-echo', '{ greeting: 5 }')).message).toBe(
      'profile configs/p.yaml: backends.echo.config.greeting: Expected string, received 5',
    );
  });

  it('refuses a config key a plain z.object would drop, naming the closest one', async () => {
    expect((await buildError('gateway-plugin-echo', '{ greetng: Yo }')).message).toBe(
      'profile configs/p.yaml: backends.echo.config.greetng: unknown key `greetng` in backends.echo.config; did you mean `greeting`?',
    );
  });

  it('refuses `apikey` in a first-party backend instead of starting it disabled for want of a key', async () => {
    expect((await buildError('backend-openai', '{ apikey: sk-typo-1 }')).message).toBe(
      'profile configs/p.yaml: backends.echo.config.apikey: unknown key `apikey` in backends.echo.config; did you mean `apiKey`?',
    );
  });

  it('skips an instance switched off in the profile without loading its package', async () => {
    const gateway = await buildServer(
      parseProfile(
        'backends: { ghost: { plugin: not-installed-anywhere, enabled: false } }\nlogging: { level: silent }',
        {
          env: {},
        },
      ),
      { cwd },
    );
    try {
      expect(gateway.instances).toEqual([
        {
          section: 'backends',
          name: 'ghost',
          plugin: 'not-installed-anywhere',
          enabled: false,
          reason: 'switched off in the profile (enabled: false)',
        },
      ]);
      expect((await gateway.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(503);
    } finally {
      await gateway.close();
    }
  });
});
