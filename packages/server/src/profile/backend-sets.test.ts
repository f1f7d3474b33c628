// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profiles spell ${VAR} literally
import { describe, expect, it } from 'vitest';
import { profileErrorOf } from '../__fixtures__/profile-error-of.js';
import { expandBackendSets } from './backend-sets.js';
import { parseProfile } from './load-profile.js';

/** dgen-ping's shape: the services come from one JSON env variable, every one speaks the OpenAI API. */
const profile = (extra = '') => `
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-x } }
backendSets:
  downstream:
    plugin: backend-openai
    services: \${DOWNSTREAM_SERVICES:-}
    config:
      apiKey: \${DOWNSTREAM_API_KEY:-none}
      timeoutMs: 5000
routing:
  defaultModel: \${DEFAULT_MODEL:-gpt-4}
${extra}`;

const services = (value: unknown) => ({ DOWNSTREAM_SERVICES: JSON.stringify(value) });

describe('backendSets', () => {
  it('turns each service of the JSON map into a backend and a route of its name', () => {
    const parsed = parseProfile(profile(), {
      env: services({
        'gpt-4': 'http://gpt4-svc:8000/v1',
        gemini: { url: 'https://gemini-svc/v1', model: 'gemini-1.5-pro' },
      }),
    });
    expect(parsed.backends).toEqual({
      openai: { plugin: 'backend-openai', enabled: true, config: { apiKey: 'sk-x' } },
      'gpt-4': {
        plugin: 'backend-openai',
        enabled: true,
        config: { apiKey: 'none', timeoutMs: 5000, baseURL: 'http://gpt4-svc:8000/v1', models: ['gpt-4'] },
      },
      gemini: {
        plugin: 'backend-openai',
        enabled: true,
        config: {
          apiKey: 'none',
          timeoutMs: 5000,
          baseURL: 'https://gemini-svc/v1',
          models: ['gemini-1.5-pro'],
        },
      },
    });
    expect(parsed.routing).toEqual({
      defaultModel: 'gpt-4',
      models: { 'gpt-4': 'gpt-4', gemini: { backend: 'gemini', model: 'gemini-1.5-pro' } },
    });
  });

  it('takes per-service models (list or comma string) and config, and a YAML mapping as well as JSON', () => {
    const parsed = parseProfile(
      `
backendSets:
  local:
    plugin: backend-ollama
    urlKey: host
    config: { timeoutMs: 1000 }
    services:
      box1: { url: "http://box1:11434", models: "llama3.2, qwen3", config: { timeoutMs: 9000 } }
      box2: { url: "http://box2:11434", models: [phi4] }
`,
      { env: {} },
    );
    expect(parsed.backends.box1?.config).toEqual({
      timeoutMs: 9000,
      host: 'http://box1:11434',
      models: ['llama3.2', 'qwen3'],
    });
    expect(parsed.backends.box2?.config).toEqual({
      timeoutMs: 1000,
      host: 'http://box2:11434',
      models: ['phi4'],
    });
    expect(parsed.routing.models).toEqual({ box1: 'box1', box2: 'box2' });
  });

  it('leaves an explicit routing entry of a service name alone', () => {
    const parsed = parseProfile(
      profile('  models:\n    gpt-4: [{ backend: gpt-4 }, { backend: openai, model: gpt-4o }]'),
      {
        env: services({ 'gpt-4': 'http://gpt4-svc:8000/v1', gemini: 'http://gemini-svc:8000/v1' }),
      },
    );
    expect(parsed.routing.models).toEqual({
      'gpt-4': [{ backend: 'gpt-4' }, { backend: 'openai', model: 'gpt-4o' }],
      gemini: 'gemini',
    });
  });

  it('adds nothing for a blank variable or {}, or uses defaultServices then', () => {
    for (const value of ['', '  ', '{}']) {
      const parsed = parseProfile(profile(), { env: { DOWNSTREAM_SERVICES: value } });
      expect(Object.keys(parsed.backends)).toEqual(['openai']);
      expect(parsed.routing.models).toEqual({});
    }
    const withDefault = `${profile()}
`.replace(
      '    config:\n      apiKey',
      '    defaultServices:\n      llm: { url: "${DOWNSTREAM_LLM_URL:-http://localhost:8002/v1}", models: "${DOWNSTREAM_MODELS:-gpt-4,gemini}" }\n    config:\n      apiKey',
    );
    const fallback = parseProfile(withDefault, { env: {} });
    expect(fallback.backends.llm?.config).toMatchObject({
      baseURL: 'http://localhost:8002/v1',
      models: ['gpt-4', 'gemini'],
    });
    expect(fallback.routing.models).toEqual({ llm: 'llm' });
    // A non-blank variable replaces the default services entirely.
    const replaced = parseProfile(withDefault, { env: services({ a: 'http://a/v1' }) });
    expect(Object.keys(replaced.backends)).toEqual(['openai', 'a']);
  });

  it('names the key for malformed JSON, without echoing the value', () => {
    const error = profileErrorOf(() =>
      parseProfile(profile(), {
        source: 'p.yaml',
        env: { DOWNSTREAM_SERVICES: '{"gpt-4": "http://x", secret-ish' },
      }),
    );
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe('backendSets.downstream.services');
    expect(error.issues[0]?.message).toMatch(/^invalid JSON: /);
    expect(error.message).toMatch(/^profile p\.yaml: backendSets\.downstream\.services: invalid JSON: /);
    expect(error.message).not.toContain('secret-ish');

    const bare = profileErrorOf(() =>
      parseProfile(profile(), { env: { DOWNSTREAM_SERVICES: 'not json at all' } }),
    );
    expect(bare.message).toMatch(/invalid JSON: /);
    expect(bare.message).not.toContain('not json at all');
  });

  it('refuses JSON that is not a map of name -> URL', () => {
    const cases: [unknown, string, RegExp][] = [
      [['http://a/v1'], 'backendSets.downstream.services', /Expected an object of service name -> URL/],
      [{ a: 'gpt4-svc:8000' }, 'backendSets.downstream.services.a.url', /Expected an http\(s\) URL/],
      [{ a: 'ftp://files/x' }, 'backendSets.downstream.services.a.url', /Expected an http\(s\) URL/],
      [{ a: 42 }, 'backendSets.downstream.services.a', /Expected a URL or \{ url/],
      [{ a: { model: 'x' } }, 'backendSets.downstream.services.a.url', /Required \(expected string\)/],
      [
        { a: { url: 'http://a', port: 1 } },
        'backendSets.downstream.services.a.port',
        /unknown key `port`.*expected one of `url`/,
      ],
      [{ 'bad name': 'http://a' }, 'backendSets.downstream.services.bad name', /letters, digits/],
    ];
    for (const [value, path, message] of cases) {
      const error = profileErrorOf(() => parseProfile(profile(), { env: services(value) }));
      expect(
        error.issues.map((issue) => issue.path),
        JSON.stringify(value),
      ).toContain(path);
      expect(error.issues.find((issue) => issue.path === path)?.message).toMatch(message);
    }
  });

  it('refuses a service name that clashes with an explicit backend or another set', () => {
    const clash = profileErrorOf(() => parseProfile(profile(), { env: services({ openai: 'http://a/v1' }) }));
    expect(clash.issues).toEqual([
      {
        path: 'backendSets.downstream.services.openai',
        message: 'clashes with backends.openai; rename the service or the backend',
      },
    ]);

    const twoSets = `
backendSets:
  first: { plugin: backend-openai, services: '{"x": "http://a/v1"}' }
  second: { plugin: backend-openai, services: '{"x": "http://b/v1"}' }
`;
    expect(profileErrorOf(() => parseProfile(twoSets, { env: {} })).issues).toEqual([
      {
        path: 'backendSets.second.services.x',
        message: 'also a service of backendSets.first; service names must be unique',
      },
    ]);
  });

  it('requires a plugin and refuses unknown keys of a set', () => {
    const error = profileErrorOf(() =>
      parseProfile('backendSets:\n  s: { services: "{}", url: x }\n', { env: {} }),
    );
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'backendSets.s.plugin',
      'backendSets.s.url',
    ]);
  });

  it('changes nothing in the tree when there are problems, and nothing without the section', () => {
    const tree: Record<string, unknown> = {
      backends: { a: { plugin: 'p' } },
      backendSets: { s: { plugin: 'p', services: '{"a": "http://a"}' } },
    };
    expect(expandBackendSets(tree)).toHaveLength(1);
    expect(tree.backends).toEqual({ a: { plugin: 'p' } });
    expect(tree.routing).toBeUndefined();

    const plain = { backends: { a: { plugin: 'p' } } };
    expect(expandBackendSets(plain)).toEqual([]);
    expect(plain).toEqual({ backends: { a: { plugin: 'p' } } });
  });
});
