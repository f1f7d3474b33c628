// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profiles spell ${VAR} literally
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileErrorOf } from '../__fixtures__/profile-error-of.js';
import { loadProfile, parseProfile, resolveProfilePath } from './load-profile.js';

// Block style: inside a flow mapping `{ ... }` YAML reads `${` as a nested mapping, so quote it there.
const example = `
service: { name: llm-gateway, version: 0.1.0 }
server:
  host: \${HOST:-127.0.0.1}
  port: \${PORT:-8080}
  bodyLimit: 1048576
logging:
  level: \${LOG_LEVEL:-info}
backends:
  openai:
    plugin: backend-openai
    config:
      apiKey: \${OPENAI_API_KEY:-}
      baseURL: \${OPENAI_BASE_URL:-https://api.openai.com/v1}
  groq: { plugin: backend-groq, config: { apiKey: "\${GROQ_API_KEY:-}" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: "\${GATEWAY_API_KEYS:-}" } }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: openai, fast: { backend: groq, model: llama-3.1-8b-instant } } }
surfaces:
  openai: { plugin: surface-openai, auth: [keys], prefix: '', config: {} }
resilience: { timeoutMs: 60000 }
metrics: { enabled: true, defaultFormat: prometheus }
docs: { enabled: true }
`;

describe('parseProfile', () => {
  it('reads the documented format with its defaults', () => {
    const profile = parseProfile(example, { source: 'x.yaml', env: {} });
    // The connection limits and timeouts have their own tests (server-section defaults).
    expect(profile.server).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      bodyLimit: 1_048_576,
      trustProxy: false,
      shutdownTimeoutMs: 10_000,
    });
    expect(profile.logging.level).toBe('info');
    expect(profile.backends.openai).toEqual({
      plugin: 'backend-openai',
      enabled: true,
      config: { apiKey: '', baseURL: 'https://api.openai.com/v1' },
    });
    expect(profile.routing.models.fast).toEqual({ backend: 'groq', model: 'llama-3.1-8b-instant' });
    expect(profile.surfaces.openai).toMatchObject({ plugin: 'surface-openai', auth: ['keys'], prefix: '' });
    expect(profile.resilience.timeoutMs).toBe(60_000);
    expect(profile.metrics).toMatchObject({ enabled: true, defaultFormat: 'prometheus' });
    expect(profile.source).toBe('x.yaml');
  });

  it('fills every section with defaults when the file is empty', () => {
    const profile = parseProfile('', { env: {} });
    expect(profile.service).toEqual({ name: 'llm-gateway', version: '0.1.0' });
    expect(profile.server.port).toBe(8080);
    expect(profile.backends).toEqual({});
    expect(profile.routing).toEqual({ models: {} });
    expect(profile.docs).toEqual({ enabled: true, path: '/docs', redocPath: '/redoc' });
    expect(profile.logging).toEqual({
      level: 'info',
      bufferBytes: 3072,
      flushIntervalMs: 250,
      maxFileBytes: 10 * 1024 * 1024,
      files: 5,
    });
  });

  it('reads the log buffer settings from variables and refuses a buffer past its bound', () => {
    const yaml = 'logging: { bufferBytes: "${LOG_BUFFER}", flushIntervalMs: "${LOG_FLUSH}" }';
    const profile = parseProfile(yaml, { env: { LOG_BUFFER: '0', LOG_FLUSH: '1000' } });
    expect(profile.logging).toMatchObject({ bufferBytes: 0, flushIntervalMs: 1000 });
    expect(() => parseProfile(yaml, { env: { LOG_BUFFER: '4096', LOG_FLUSH: '1' } })).toThrow(
      /logging\.bufferBytes/,
    );
  });

  it('reads server.memory.releaseAfterIdleMs (default 30 s) from a variable and refuses unknown memory keys', () => {
    expect(parseProfile('', { env: {} }).server.memory).toEqual({
      semiSpaceMiB: 16,
      maxOldSpaceMiB: 0,
      releaseAfterIdleMs: 30_000,
    });
    const yaml = 'server: { memory: { releaseAfterIdleMs: "${IDLE_RELEASE}" } }';
    expect(parseProfile(yaml, { env: { IDLE_RELEASE: '0' } }).server.memory.releaseAfterIdleMs).toBe(0);
    expect(parseProfile(yaml, { env: { IDLE_RELEASE: '2500' } }).server.memory.releaseAfterIdleMs).toBe(2500);
    expect(() => parseProfile(yaml, { env: { IDLE_RELEASE: '-1' } })).toThrow(
      /server\.memory\.releaseAfterIdleMs/,
    );
    expect(() =>
      parseProfile('server: { memory: { releaseAfterIdle: 5000 } }', { source: 'p.yaml', env: {} }),
    ).toThrow(
      'server.memory.releaseAfterIdle: unknown key `releaseAfterIdle` in server.memory; did you mean `releaseAfterIdleMs`?',
    );
  });

  it('interpolates variables in values, with defaults, and coerces numbers and booleans', () => {
    const profile = parseProfile(example.replace('docs: { enabled: true }', 'docs: { enabled: "${DOCS}" }'), {
      env: {
        PORT: '9090',
        OPENAI_API_KEY: 'sk-live',
        LOG_LEVEL: 'DEBUG',
        DOCS: 'false',
        GATEWAY_API_KEYS: 'a,b',
      },
    });
    expect(profile.server.port).toBe(9090);
    expect(profile.logging.level).toBe('debug');
    expect(profile.docs.enabled).toBe(false);
    expect(profile.backends.openai!.config).toEqual({
      apiKey: 'sk-live',
      baseURL: 'https://api.openai.com/v1',
    });
    expect(profile.auth.keys!.config).toEqual({ keys: 'a,b' });
  });

  it('keeps a number-like interpolated value a string where a string is expected', () => {
    const profile = parseProfile('backends: { b: { plugin: p, config: { apiKey: "${KEY}", n: 7 } } }', {
      env: { KEY: '12345' },
    });
    expect(profile.backends.b!.config).toEqual({ apiKey: '12345', n: 7 });
  });

  it('uses the default when a variable is set but empty, and supports $${ as a literal', () => {
    const profile = parseProfile('service: { name: "${NAME:-gw}", version: "$${NOT_A_VAR}" }', {
      env: { NAME: '' },
    });
    expect(profile.service).toEqual({ name: 'gw', version: '${NOT_A_VAR}' });
  });

  it('never interpolates into YAML structure', () => {
    const profile = parseProfile('service: { name: "${NAME}" }', { env: { NAME: 'x\nversion: 9' } });
    expect(profile.service).toEqual({ name: 'x\nversion: 9', version: '0.1.0' });
  });

  it('names the variable and the key when a required variable is unset', () => {
    const error = profileErrorOf(() =>
      parseProfile(
        'backends: { openai: { plugin: backend-openai, config: { apiKey: "${OPENAI_API_KEY}" } } }',
        {
          source: 'configs/x.yaml',
          env: {},
        },
      ),
    );
    expect(error.message).toMatch(/^profile configs\/x\.yaml: backends\.openai\.config\.apiKey: /);
    expect(error.message).toContain('OPENAI_API_KEY is not set');
  });

  it('names the key path and the problem for an invalid value', () => {
    const error = profileErrorOf(() =>
      parseProfile('server: { port: abc }', { source: 'configs/x.yaml', env: {} }),
    );
    expect(error.message).toBe('profile configs/x.yaml: server.port: Expected number, received "abc"');
  });

  it('reports unknown keys, bad enums and missing fields, one line each', () => {
    const error = profileErrorOf(() =>
      parseProfile(
        `
server: { prot: 1 }
logging: { level: loud }
backends: { openai: { config: {} } }
`,
        { source: 'p.yaml', env: {} },
      ),
    );
    expect(error.message.split('\n')).toEqual([
      'profile p.yaml: server.prot: unknown key `prot` in server; did you mean `port`?',
      'profile p.yaml: logging.level: Expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", received "loud"',
      'profile p.yaml: backends.openai.plugin: Required (expected string)',
    ]);
  });

  it('does not echo secret values in errors', () => {
    const error = profileErrorOf(() =>
      parseProfile(
        'surfaces: { s: { plugin: x, auth: [k] } }\nauth: { k: { plugin: y, apiKey: sk-secret-1 } }',
        {
          env: {},
        },
      ),
    );
    expect(error.message).toContain(
      'auth.k.apiKey: unknown key `apiKey` in auth.k; expected one of `plugin`, `config`, `enabled`',
    );
    expect(error.message).not.toContain('sk-secret-1');
  });

  it('checks that routes name configured backends and surfaces name configured auth schemes', () => {
    const error = profileErrorOf(() =>
      parseProfile(
        `
backends: { openai: { plugin: backend-openai } }
routing: { models: { a: grok, b: { backend: grok }, c: [{ backend: openai }, { backend: grok }] } }
surfaces: { api: { plugin: surface-openai, auth: [keys] } }
`,
        { source: 'p.yaml', env: {} },
      ),
    );
    expect(error.message.split('\n')).toEqual([
      "profile p.yaml: routing.models.a: Unknown backend 'grok' (configured: openai)",
      "profile p.yaml: routing.models.b.backend: Unknown backend 'grok' (configured: openai)",
      "profile p.yaml: routing.models.c[1].backend: Unknown backend 'grok' (configured: openai)",
      "profile p.yaml: surfaces.api.auth[0]: Unknown auth scheme 'keys' (configured: none)",
    ]);
  });

  it('lets PORT and HOST override a hard-coded server address', () => {
    const profile = parseProfile('server: { host: 0.0.0.0, port: 1234 }', {
      env: { PORT: '4321', HOST: '::1' },
    });
    expect(profile.server.port).toBe(4321);
    expect(profile.server.host).toBe('::1');
  });

  it('refuses a misspelled top-level section (`backend:` printed OK with no backends)', () => {
    const error = profileErrorOf(() =>
      parseProfile('backend: { openai: { plugin: backend-openai } }', { source: 'p.yaml', env: {} }),
    );
    expect(error.message).toBe(
      'profile p.yaml: backend: unknown section `backend`; did you mean `backends`?',
    );
  });

  it('hints at quoting when an unquoted ${VAR} sits inside a flow mapping', () => {
    const error = profileErrorOf(() =>
      parseProfile('server: { port: ${PORT:-8080} }', { source: 'p.yaml', env: {} }),
    );
    expect(error.message).toContain('quote "${VAR}"');
  });

  it('reports YAML syntax errors with a position', () => {
    const error = profileErrorOf(() =>
      parseProfile('server: { port: 1\nlogging: [', { source: 'bad.yaml', env: {} }),
    );
    expect(error.message).toMatch(/^profile bad\.yaml: line \d+, column \d+: /);
  });

  it('reports a YAML error as a whole sentence with the offending lines, secrets masked', () => {
    const text =
      'backends:\n  openai:\n    plugin: backend-openai\n    apiKey: sk-live-123\n    config: "unclosed\nlogging: {}\n';
    const error = profileErrorOf(() => parseProfile(text, { source: 'bad.yaml', env: {} }));
    // YAML notices at the end of the file; the frame points at the quote that never closes.
    expect(error.message.split('\n')).toEqual([
      'profile bad.yaml: line 5, column 13: Missing closing "quote: the quoted value that starts here never ends',
      '  2 |   openai:',
      '  3 |     plugin: backend-openai',
      '  4 |     apiKey: ***',
      '> 5 |     config: "unclosed',
      '    |             ^',
    ]);
    expect(error.message).not.toContain('sk-live-123');
  });
});

describe('loadProfile and resolveProfilePath', () => {
  it('loads a file and names a missing one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'profile-'));
    const file = path.join(dir, 'p.yaml');
    await writeFile(file, 'server: { port: 1 }\n');
    expect((await loadProfile(file, { env: {} })).server.port).toBe(1);
    await expect(loadProfile(path.join(dir, 'missing.yaml'))).rejects.toThrow(
      /missing\.yaml: \(file\): file not found/,
    );
  });

  it('prefers --profile, then GATEWAY_PROFILE, then configs/default.yaml', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'profile-'));
    expect(resolveProfilePath({ profile: 'a.yaml', env: { GATEWAY_PROFILE: 'b.yaml' }, cwd: dir })).toBe(
      path.join(dir, 'a.yaml'),
    );
    expect(resolveProfilePath({ env: { GATEWAY_PROFILE: '/etc/b.yaml' }, cwd: dir })).toBe('/etc/b.yaml');
    expect(resolveProfilePath({ env: {}, cwd: dir }).endsWith(path.join('configs', 'default.yaml'))).toBe(
      true,
    );
  });
});
