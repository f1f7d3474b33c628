import { type SinkPlugin, z } from '@llm-gateway/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { testAuthPlugin, testBackendPlugin, testSurfacePlugin } from '../__fixtures__/test-plugins.js';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from '../server/build-server.js';
import { type MemorySink, memorySink } from './__fixtures__/memory-sink.js';

const profile = `
service: { name: test-gateway, version: 9.9.9 }
logging: { level: warn }
backends:
  alpha: { plugin: backend-test, config: { reply: Hi, models: [alpha-model] } }
routing: { defaultModel: small, models: { small: { backend: alpha, model: alpha-small } } }
surfaces:
  open: { plugin: surface-test, auth: [], prefix: /open }
telemetry:
  sinks:
    primary: { plugin: sink-memory }
    spare: { plugin: sink-memory }
    off: { plugin: sink-memory, enabled: false }
  batchSize: 1000
  flushIntervalMs: 600000
`;

const servers: GatewayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(yaml = profile) {
  const sinks = new Map<string, MemorySink>();
  const sinkPlugin: SinkPlugin<unknown> = {
    specificationVersion: 'v1',
    kind: 'sink',
    name: 'sink-memory',
    configSchema: z.unknown(),
    async create(_config, host) {
      const sink = memorySink(host.instanceName);
      sinks.set(host.instanceName, sink);
      return sink;
    },
  };
  const gateway = await buildServer(parseProfile(yaml, { source: 'test.yaml', env: {} }), {
    logStream: { write: () => {} },
    plugins: {
      'backend-test': testBackendPlugin().plugin,
      'auth-test': testAuthPlugin().plugin,
      'surface-test': testSurfacePlugin,
      'sink-memory': sinkPlugin,
    },
  });
  servers.push(gateway);
  return { gateway, app: gateway.app, sinks };
}

const chatBody = { messages: [{ role: 'user', content: 'ping' }] };

describe('telemetry stage', () => {
  it('buffers one record per request off the request path and writes them all on close', async () => {
    const { gateway, app, sinks } = await setup();
    const ok = await app.inject({ method: 'POST', url: '/open/chat', payload: chatBody });
    const missing = await app.inject({ method: 'GET', url: '/open/nowhere' });
    expect([ok.statusCode, missing.statusCode]).toEqual([200, 404]);
    // Batches wait for 1000 records or ten minutes: nothing is written yet, the requests did not wait.
    expect(sinks.get('primary')!.writes).toBe(0);
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.json().telemetry).toMatchObject({
      store: 'primary',
      buffered: 2,
      recorded: 2,
      dropped: 0,
      sinks: [
        { name: 'primary', healthy: true, last_error: null, written: 0 },
        { name: 'spare', healthy: true, last_error: null, written: 0 },
      ],
    });
    expect(sinks.has('off')).toBe(false);

    await gateway.close();
    const stored = sinks.get('primary')!.stored;
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({
      request_id: ok.headers['x-request-id'],
      surface: 'open',
      method: 'POST',
      status_code: 200,
      target_service: 'alpha',
      model: 'alpha-small',
      principal_kind: 'anonymous',
    });
    expect(stored[1]).toMatchObject({
      request_id: missing.headers['x-request-id'],
      surface: 'gateway',
      endpoint: '/open/nowhere',
      status_code: 404,
      error_type: 'not_found',
    });
  });

  it('fails over to the next sink and reports it in /metrics and /health', async () => {
    const { gateway, app, sinks } = await setup();
    sinks.get('primary')!.down = true;
    await app.inject({ method: 'POST', url: '/open/chat', payload: chatBody });
    await gateway.close();
    expect(sinks.get('spare')!.stored).toHaveLength(1);
    const text = await gateway.metrics.registry.metrics();
    expect(text).toContain('gateway_telemetry_written_total{sink="spare"} 1');
    expect(text).toContain('gateway_telemetry_failovers_total{sink="primary"} 1');
    expect(text).toContain('gateway_telemetry_dropped_total 0');
    expect(text).toContain('gateway_telemetry_buffer_depth 0');
    expect(text).toContain('gateway_telemetry_batch_write_seconds_count{sink="spare"} 1');
  });

  it('holds nothing when every sink is switched off (records would only pile up and be dropped)', async () => {
    const onlyOff = profile.replace(/ {4}primary:.*\n {4}spare:.*\n/, '');
    const { app, sinks } = await setup(onlyOff);
    await app.inject({ method: 'POST', url: '/open/chat', payload: chatBody });
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(sinks.size).toBe(0);
    expect(health.json().telemetry).toMatchObject({ store: null, sinks: [], buffered: 0, dropped: 0 });
  });
});
