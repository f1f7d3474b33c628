// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profiles spell ${VAR} literally
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';

let sim: Simulator;
let gateway: GatewayServer;
const lines: string[] = [];

beforeAll(async () => {
  // Each upstream call takes a while, so one call holds the only slot while the rest are refused.
  sim = await startOpenAISimulator({ apiKey: 'sk-upstream', latencyMs: 300 });
  const profile = parseProfile(
    `
logging: { level: info }
concurrency: { maxConcurrent: 1, maxQueue: 0 }
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-upstream, baseURL: "\${OPENAI_BASE_URL}" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: [gw-key-1] } }
  clients: { plugin: auth-client-secret, config: { dir: "\${CLIENTS_DIR}", allowExampleSecret: true } }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: openai } }
surfaces:
  openai: { plugin: surface-openai, auth: [keys] }
  dsp: { plugin: surface-dsp, auth: [clients], config: { defaultProvider: openai, defaultModel: gpt-4o-mini } }
`,
    {
      source: 'capacity.yaml',
      env: {
        OPENAI_BASE_URL: `${sim.url}/v1`,
        CLIENTS_DIR: new URL('../../../../configs/clients', import.meta.url).pathname,
      },
    },
  );
  gateway = await buildServer(profile, { logStream: { write: (line: string) => lines.push(line) } });
});

afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});

describe('over-capacity 503s', () => {
  it('logged an error with a stack trace per rejection: now one info line of facts each', async () => {
    const openai = () =>
      gateway.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: 'Bearer gw-key-1' },
        payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'busy' }] },
      });
    const dsp = () =>
      gateway.app.inject({
        method: 'POST',
        url: '/api/v1/generate',
        headers: { client_id: 'openai_only_client', client_secret: 'password' },
        payload: { prompt: 'busy' },
      });
    const answers = await Promise.all([openai(), openai(), openai(), dsp(), dsp(), dsp()]);
    const refused = answers.filter((answer) => answer.statusCode === 503);
    expect(refused.length).toBeGreaterThanOrEqual(4);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const failures = entries.filter((entry) => /request failed/.test(String(entry.msg)));
    expect(failures.length).toBe(refused.length);
    for (const entry of failures) {
      expect(entry).toMatchObject({ level: 30, status: 503, code: 'concurrency_limit' });
      expect(entry).not.toHaveProperty('err');
    }
    // The example clients' loud secret warnings aside, nothing is logged as an error.
    const errors = entries.filter((entry) => Number(entry.level) >= 50 && entry.file === undefined);
    expect(errors).toEqual([]);
  });
});
