import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { profileErrorOf } from '../__fixtures__/profile-error-of.js';
import { closestMatch } from './did-you-mean.js';
import { parseProfile } from './load-profile.js';
import { keysAt, strippedKeys } from './schema-keys.js';

const issuesOf = (text: string) =>
  profileErrorOf(() => parseProfile(text, { source: 'p.yaml', env: {} })).message.split('\n');

describe('closestMatch', () => {
  it('forgives case, _ and -, swapped letters and about one typo in three letters', () => {
    expect(closestMatch('prot', ['host', 'port'])).toBe('port');
    expect(closestMatch('apikey', ['apiKey', 'baseURL'])).toBe('apiKey');
    expect(closestMatch('api_key', ['apiKey', 'baseURL'])).toBe('apiKey');
    expect(closestMatch('rate-limit', ['rateLimit', 'redis'])).toBe('rateLimit');
    expect(closestMatch('backend', ['backends', 'auth'])).toBe('backends');
    expect(closestMatch('retires', ['retries', 'circuitBreaker'])).toBe('retries');
  });

  it('suggests nothing for a word that is not a typo of any candidate', () => {
    expect(closestMatch('telemetry', ['server', 'logging'])).toBeUndefined();
    expect(closestMatch('x', [])).toBeUndefined();
  });
});

describe('unknown keys in nested sections', () => {
  it('names the key path and the closest valid key in every section', () => {
    expect(
      issuesOf(`
server: { bodylimit: 10 }
resilience: { retries: { attemps: 2 } }
cache: { ttl: 5 }
rateLimit: { requestPerMinute: 60 }
metrics: { defaultformat: json }
backends: { openai: { plugin: backend-openai, enabeld: false } }
routing: { models: { a: { backend: openai, modle: gpt-4o } } }
`),
    ).toEqual([
      'profile p.yaml: server.bodylimit: unknown key `bodylimit` in server; did you mean `bodyLimit`?',
      'profile p.yaml: backends.openai.enabeld: unknown key `enabeld` in backends.openai; did you mean `enabled`?',
      'profile p.yaml: routing.models.a.modle: unknown key `modle` in routing.models.a; did you mean `model`?',
      'profile p.yaml: resilience.retries.attemps: unknown key `attemps` in resilience.retries; did you mean `attempts`?',
      'profile p.yaml: cache.ttl: unknown key `ttl` in cache; expected one of `enabled`, `store`, `ttlSeconds`, `maxEntries`, `keyPrefix`',
      'profile p.yaml: rateLimit.requestPerMinute: unknown key `requestPerMinute` in rateLimit; did you mean `requestsPerMinute`?',
      'profile p.yaml: metrics.defaultformat: unknown key `defaultformat` in metrics; did you mean `defaultFormat`?',
    ]);
  });

  it('suggests a configured backend or auth scheme for a misspelled reference', () => {
    expect(
      issuesOf(`
backends: { openai: { plugin: backend-openai } }
routing: { models: { a: opneai } }
`),
    ).toEqual([
      "profile p.yaml: routing.models.a: Unknown backend 'opneai' (configured: openai); did you mean 'openai'?",
    ]);
  });
});

describe('schema keys', () => {
  const schema = z
    .object({
      outer: z.preprocess((v) => v, z.object({ inner: z.string().optional() }).optional()),
      list: z.array(z.object({ name: z.string() })).default([]),
      map: z.record(z.string(), z.object({ url: z.string() })).optional(),
      free: z.looseObject({ a: z.number().optional() }).optional(),
    })
    .prefault({});

  it('reads the keys at a path through wrappers, pipes, arrays and records', () => {
    expect(keysAt(schema, [])).toEqual(['outer', 'list', 'map', 'free']);
    expect(keysAt(schema, ['outer'])).toEqual(['inner']);
    expect(keysAt(schema, ['list', 0])).toEqual(['name']);
    expect(keysAt(schema, ['map', 'any'])).toEqual(['url']);
  });

  it('finds the keys a plain z.object would silently drop, but none under a loose object', () => {
    const input = {
      outr: 1,
      outer: { iner: 'x' },
      list: [{ name: 'a', nmae: 'b' }],
      map: { s: { url: 'u', ulr: 'v' } },
      free: { anything: true },
    };
    expect(strippedKeys(schema, input)).toEqual([
      ['outr'],
      ['outer', 'iner'],
      ['list', 0, 'nmae'],
      ['map', 's', 'ulr'],
    ]);
  });
});
