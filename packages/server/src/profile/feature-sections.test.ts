// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profiles spell ${VAR} literally
import { describe, expect, it } from 'vitest';
import { profileErrorOf } from '../__fixtures__/profile-error-of.js';
import { parseProfile } from './load-profile.js';
import { callTimeoutMs } from './resilience-section.js';
import { resolveStore } from './store-field.js';

describe('resilience, cache and limit sections', () => {
  it('defaults: 60 s timeout, 3 attempts, breaker at 5 for 60 s, cache off, no limits, streaming on', () => {
    const profile = parseProfile('', { env: {} });
    expect(profile.resilience).toEqual({
      timeoutMs: 60_000,
      retries: { attempts: 3, baseDelayMs: 200, maxDelayMs: 10_000, maxRetryAfterMs: 10_000 },
      circuitBreaker: { enabled: true, failureThreshold: 5, resetTimeoutSeconds: 60 },
    });
    expect(profile.redis).toEqual({ connectTimeoutMs: 1000, commandTimeoutMs: 500 });
    expect(profile.cache).toEqual({
      enabled: false,
      store: 'auto',
      ttlSeconds: 3600,
      maxEntries: 1000,
      keyPrefix: 'llmgw:cache:',
    });
    expect(profile.rateLimit).toEqual({
      enabled: true,
      store: 'auto',
      requestsPerMinute: 0,
      keyPrefix: 'llmgw:rl',
    });
    expect(profile.concurrency).toEqual({ maxConcurrent: 0, maxQueue: 100, queueTimeoutMs: 5000 });
    expect(profile.streaming).toEqual({ enabled: true });
    expect(callTimeoutMs(profile.resilience)).toBe(60_000);
  });

  it("reads the seed's environment names as strings and coerces them", () => {
    const profile = parseProfile(
      `
redis:
  url: \${REDIS_URL:-}
resilience:
  timeoutSeconds: \${LLM_TIMEOUT:-}
  circuitBreaker:
    enabled: \${CIRCUIT_BREAKER_ENABLED:-true}
    failureThreshold: \${CIRCUIT_BREAKER_FAILURE_THRESHOLD:-5}
    resetTimeoutSeconds: \${CIRCUIT_BREAKER_TIMEOUT:-60}
cache:
  enabled: \${CACHE_ENABLED:-true}
  ttlSeconds: \${CACHE_TTL:-3600}
rateLimit:
  enabled: \${RATE_LIMIT_ENABLED:-true}
  requestsPerMinute: \${RATE_LIMIT_REQUESTS_PER_MINUTE:-100}
streaming:
  enabled: \${STREAMING_ENABLED:-true}
`,
      {
        env: {
          REDIS_URL: 'redis://127.0.0.1:6379/1',
          LLM_TIMEOUT: '0.5',
          CIRCUIT_BREAKER_ENABLED: 'false',
          CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2',
          CIRCUIT_BREAKER_TIMEOUT: '1.5',
          CACHE_TTL: '5',
          RATE_LIMIT_REQUESTS_PER_MINUTE: '7',
          STREAMING_ENABLED: 'no',
        },
      },
    );
    expect(profile.redis.url).toBe('redis://127.0.0.1:6379/1');
    expect(callTimeoutMs(profile.resilience)).toBe(500);
    expect(profile.resilience.circuitBreaker).toEqual({
      enabled: false,
      failureThreshold: 2,
      resetTimeoutSeconds: 1.5,
    });
    expect(profile.cache).toMatchObject({ enabled: true, ttlSeconds: 5 });
    expect(profile.rateLimit).toMatchObject({ enabled: true, requestsPerMinute: 7 });
    expect(profile.streaming.enabled).toBe(false);
    expect(resolveStore(profile.cache.store, profile.redis.url)).toBe('redis');
    expect(resolveStore(profile.cache.store, undefined)).toBe('memory');
    expect(resolveStore('memory', profile.redis.url)).toBe('memory');
  });

  it('names the key of a wrong value', () => {
    const error = profileErrorOf(() =>
      parseProfile('resilience:\n  retries:\n    attempts: 0\nconcurrency:\n  maxConcurrent: lots\n', {
        env: {},
      }),
    );
    expect(error.message).toContain('resilience.retries.attempts');
    expect(error.message).toContain('concurrency.maxConcurrent');
    const typo = profileErrorOf(() => parseProfile('cache:\n  ttl: 5\n', { env: {} }));
    expect(typo.message).toContain('cache.ttl');
  });

  it('refuses a redis store without redis.url', () => {
    const error = profileErrorOf(() =>
      parseProfile('cache:\n  enabled: true\n  store: redis\nrateLimit:\n  store: redis\n', { env: {} }),
    );
    expect(error.message).toContain('cache.store: The redis store needs redis.url');
    expect(error.message).toContain('rateLimit.store');
  });
});

describe('routing plans', () => {
  it('accepts { strategy, targets } with weights and priorities', () => {
    const profile = parseProfile(
      `
backends:
  a: { plugin: backend-test }
  b: { plugin: backend-test }
routing:
  models:
    chat:
      strategy: loadbalance
      targets:
        - { backend: a, model: m1, weight: 3 }
        - { backend: b, model: m2, weight: "1", priority: 0 }
`,
      { env: {} },
    );
    expect(profile.routing.models.chat).toEqual({
      strategy: 'loadbalance',
      targets: [
        { backend: 'a', model: 'm1', weight: 3 },
        { backend: 'b', model: 'm2', weight: 1, priority: 0 },
      ],
    });
  });

  it('names an unknown backend inside a plan', () => {
    const error = profileErrorOf(() =>
      parseProfile(
        `
backends:
  a: { plugin: backend-test }
routing:
  models:
    chat: { strategy: fallback, targets: [{ backend: a }, { backend: ghost }] }
`,
        { env: {} },
      ),
    );
    expect(error.message).toContain("routing.models.chat.targets[1].backend: Unknown backend 'ghost'");
  });
});
