import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from '../server/build-server.js';
import { captureIo } from './__fixtures__/capture-io.js';
import { keyFields } from './keys-command.js';
import { runCli } from './run-cli.js';

const adminKey = 'admin-key-0123456789abcdef';
let server: GatewayServer;
let url: string;

beforeAll(async () => {
  server = await buildServer(
    parseProfile(
      `
logging: { level: silent }
backends: {}
auth:
  keys: { plugin: auth-api-key, config: { keys: [] } }
routing: { models: {} }
surfaces:
  api: { plugin: surface-openai, auth: [keys] }
admin: { keys: ${adminKey} }
`,
      { source: 'cli-keys.yaml', env: {} },
    ),
    { logStream: { write: () => {} } },
  );
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => server?.close());

const cli = async (...argv: string[]) => {
  const { io, out, err } = captureIo({ GATEWAY_URL: url, GATEWAY_ADMIN_KEY: adminKey });
  const result = await runCli(['keys', ...argv], io);
  return { result, out, err };
};

describe('gateway keys', () => {
  it('turns field=value pairs into the key fields', () => {
    expect(
      keyFields(['project=ci', 'models=a,b', 'rpm=60', 'budget.day.usd=5', 'budget.day.tokens=1000']),
    ).toEqual({
      project: 'ci',
      models: ['a', 'b'],
      rpm: 60,
      budgets: [{ period: 'day', usd: 5, tokens: 1000 }],
    });
  });

  it('creates, lists, rotates and revokes a key on the running gateway', async () => {
    const created = await cli('create', 'ci-bot', 'project=ci', 'budget.month.usd=20');
    expect(created.result).toEqual({ exitCode: 0 });
    const { id, key, project, budgets } = JSON.parse(created.out[0]!);
    expect(key).toMatch(/^gwk-/);
    expect({ project, budgets }).toEqual({ project: 'ci', budgets: [{ period: 'month', usd: 20 }] });
    const listed = await cli('list');
    expect(JSON.parse(listed.out[0]!).keys.map((k: { id: string }) => k.id)).toEqual([id]);
    expect(listed.out[0]).not.toContain(key);
    const rotated = await cli('rotate', id);
    expect(JSON.parse(rotated.out[0]!).key).not.toBe(key);
    expect((await cli('revoke', id)).result).toEqual({ exitCode: 0 });
    const again = await cli('revoke', id);
    expect(again.result).toEqual({ exitCode: 1 });
    expect(again.err[0]).toContain('404');
  });

  it('names the field the gateway refused', async () => {
    const refused = await cli('create', 'x', 'colour=red');
    expect(refused.result).toEqual({ exitCode: 1 });
    expect(refused.err[0]).toContain('colour');
  });
});
