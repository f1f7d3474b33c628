import { setTimeout as sleep } from 'node:timers/promises';
import type { TelemetryRecord } from '@llm-gateway/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { testAuthPlugin, testBackendPlugin, testSurfacePlugin } from '../__fixtures__/test-plugins.js';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';
import { roundMs, serverTimingValue, splitTiming } from './server-timing.js';

describe('the Server-Timing value', () => {
  it('splits the time to the head into the gateway and the upstream attempts, in ms to three decimals', () => {
    const split = splitTiming(52.04567, { upstreamMs: 51.2 });
    expect(split.gatewayMs).toBeCloseTo(0.84567, 6);
    expect(serverTimingValue(split, false)).toBe('gateway;dur=0.846, upstream;dur=51.2');
  });

  it('names no upstream when none was called, and marks a cache hit', () => {
    expect(serverTimingValue(splitTiming(1.5, {}), false)).toBe('gateway;dur=1.5');
    expect(serverTimingValue(splitTiming(0.25, { cacheHit: true }), true)).toBe(
      'gateway;dur=0.25, cache;desc=hit',
    );
  });

  it('never reports a negative gateway time', () => {
    expect(splitTiming(10, { upstreamMs: 10.0004 }).gatewayMs).toBe(0);
    expect(roundMs(0.0004)).toBe(0);
    expect(roundMs(1.23456)).toBe(1.235);
  });
});

const profile = `
logging: { level: warn }
backends:
  alpha: { plugin: backend-test, config: { reply: Hi, models: [alpha-model] } }
auth:
  keys: { plugin: auth-test, config: { keys: [sk-good-1] } }
routing:
  defaultModel: small
  models: { small: { backend: alpha, model: alpha-small } }
surfaces:
  api: { plugin: surface-test, auth: [keys], prefix: /api }
`;

const servers: GatewayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup() {
  const backend = testBackendPlugin();
  const records: TelemetryRecord[] = [];
  const gateway = await buildServer(parseProfile(profile, { source: 'test.yaml', env: {} }), {
    logStream: { write: () => {} },
    plugins: {
      'backend-test': backend.plugin,
      'auth-test': testAuthPlugin().plugin,
      'surface-test': testSurfacePlugin,
    },
    onTelemetry: (record) => records.push(record),
  });
  servers.push(gateway);
  return { app: gateway.app, alpha: () => backend.instances.get('alpha')!, records };
}

/** `{ gateway: 0.84, upstream: 51.2 }` from `gateway;dur=0.84, upstream;dur=51.2`. */
function durations(header: unknown): Record<string, number> {
  expect(typeof header).toBe('string');
  const entries = (header as string).split(', ').flatMap((entry) => {
    const match = /^(\w+);dur=(\d+(?:\.\d{1,3})?)$/.exec(entry);
    return match ? [[match[1]!, Number(match[2])] as const] : [];
  });
  return Object.fromEntries(entries);
}

const chat = { messages: [{ role: 'user', content: 'ping' }] };

describe('Server-Timing on every answer', () => {
  it('splits a JSON answer into gateway and upstream time, the same split in telemetry and /metrics', async () => {
    const { app, alpha, records } = await setup();
    const release = alpha().hold();
    const arrived = alpha().arrived();
    const answer = app.inject({
      method: 'POST',
      url: '/api/chat',
      headers: { authorization: 'Bearer sk-good-1' },
      payload: chat,
    });
    await arrived;
    const held = performance.now();
    await sleep(30);
    const heldMs = performance.now() - held;
    release();
    const response = await answer;
    expect(response.statusCode).toBe(200);
    const timing = durations(response.headers['server-timing']);
    expect(Object.keys(timing)).toEqual(['gateway', 'upstream']);
    expect(timing.upstream).toBeGreaterThanOrEqual(roundMs(heldMs));
    expect(timing.gateway).toBeGreaterThanOrEqual(0);
    expect(records).toHaveLength(1);
    expect(records[0]!.gateway_overhead_ms).toBe(timing.gateway);
    expect(records[0]!.latency_ms).toBeGreaterThanOrEqual(timing.gateway! + timing.upstream!);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/^gateway_overhead_seconds_count\{surface="api",endpoint="chat"\} 1$/m);
  });

  it('gives a refused request and a gateway route the gateway time alone', async () => {
    const { app, alpha, records } = await setup();
    const refused = await app.inject({ method: 'POST', url: '/api/chat', payload: chat });
    expect(refused.statusCode).toBe(401);
    expect(Object.keys(durations(refused.headers['server-timing']))).toEqual(['gateway']);
    const health = await app.inject('/health');
    expect(Object.keys(durations(health.headers['server-timing']))).toEqual(['gateway']);
    const missing = await app.inject('/nowhere');
    expect(missing.statusCode).toBe(404);
    const timing = durations(missing.headers['server-timing']);
    expect(Object.keys(timing)).toEqual(['gateway']);
    expect(records.find((record) => record.endpoint === '/nowhere')?.gateway_overhead_ms).toBe(
      timing.gateway,
    );
    expect(alpha().calls).toHaveLength(0);
  });
});
