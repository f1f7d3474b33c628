import { type Simulator, startOllamaSimulator, waitUntil } from '@llm-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/load-profile.js';
import { type BuildServerOptions, buildServer, type GatewayServer } from './build-server.js';

let sim: Simulator;
const servers: GatewayServer[] = [];
beforeAll(async () => {
  sim = await startOllamaSimulator();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(async () => {
  await sim?.close();
});

async function gateway(queue: string, options: BuildServerOptions = {}): Promise<GatewayServer> {
  const profile = parseProfile(
    `
logging: { level: silent }
backends:
  ollama: { plugin: backend-ollama, config: { host: "${sim.url}", models: [llama3.2] } }
routing: { defaultModel: llama3.2 }
auth:
  keys: { plugin: auth-api-key, config: { keys: k-123456, headers: x-api-key } }
surfaces:
  inference: { plugin: surface-inference, auth: [keys] }
${queue}
`,
  );
  const server = await buildServer(profile, options);
  servers.push(server);
  return server;
}

const headers = { 'x-api-key': 'k-123456' };

describe('profile queue section', () => {
  it('queue-bullmq without a URL falls back to queue-memory; in-process workers run tasks; /metrics shows them', async () => {
    const server = await gateway(`
queue:
  plugin: queue-bullmq
  workers: 2
  config: { url: "" }
  fallback: { plugin: queue-memory }
`);
    expect(server.instances.filter((i) => i.section === 'queue').map((i) => [i.plugin, i.enabled])).toEqual([
      ['queue-bullmq', false],
      ['queue-memory', true],
    ]);
    const submitted = await server.app.inject({
      method: 'POST',
      url: '/generate',
      headers,
      payload: { prompt: 'hi' },
    });
    expect(submitted.statusCode).toBe(202);
    const id = submitted.json().task_id as string;
    await waitUntil(async () => (await server.queue?.get(id))?.status === 'completed');
    const metrics = await server.app.inject({ url: '/metrics', headers: { accept: 'text/plain' } });
    expect(metrics.body).toMatch(/gateway_tasks\{state="completed"\} 1/);
    expect(metrics.body).toMatch(/gateway_task_processing_seconds_count\{outcome="completed"\} 1/);
    expect(metrics.body).toContain('gateway_task_queue_depth 0');
    const health = (await server.app.inject({ url: '/health' })).json();
    expect(health.queue).toMatchObject({ name: 'queue', completed: 1 });
  });

  it('tells taskActivity when each task run begins and ends (gateway worker idle release counts them)', async () => {
    const events: string[] = [];
    const taskActivity = { begin: () => events.push('begin'), end: () => events.push('end') };
    const server = await gateway('queue: { plugin: queue-memory, workers: 1 }', { taskActivity });
    for (const prompt of ['one', 'two']) {
      const submitted = await server.app.inject({
        method: 'POST',
        url: '/generate',
        headers,
        payload: { prompt },
      });
      const id = submitted.json().task_id as string;
      await waitUntil(async () => (await server.queue?.get(id))?.status === 'completed');
    }
    await waitUntil(async () => events.length === 4);
    expect(events).toEqual(['begin', 'end', 'begin', 'end']);
  });

  it('workers: 0 makes an API-only instance: tasks wait for a worker', async () => {
    const server = await gateway('queue: { plugin: queue-memory, workers: 0 }');
    const submitted = await server.app.inject({
      method: 'POST',
      url: '/generate',
      headers,
      payload: { prompt: 'hi' },
    });
    const id = submitted.json().task_id as string;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await server.queue?.get(id))?.status).toBe('queued');
  });

  it('the inference surface without a queue section stops the start with a clear message', async () => {
    await expect(gateway('')).rejects.toThrow(/needs a `queue` section/);
  });
});
