import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TokenService } from '@llm-gateway/auth-jwt';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from './__fixtures__/capture-io.js';
import { runCli } from './run-cli.js';

const secret = 'a-token-secret-of-at-least-32-bytes-long';
let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'gateway-token-'));
  // An api-key scheme (issues nothing) and a switched-off JWT scheme come before the one that issues.
  await writeFile(
    path.join(cwd, 'tokens.yaml'),
    `
auth:
  keys: { plugin: auth-api-key, config: { keys: "k-1" } }
  old: { plugin: auth-jwt, enabled: false, config: { secret: "another-secret-of-at-least-32-bytes!!" } }
  jwt: { plugin: auth-jwt, config: { secret: "\${TOKEN_SECRET:-}", issuer: "\${TOKEN_ISSUER:-}" } }
`,
  );
  await writeFile(
    path.join(cwd, 'keys-only.yaml'),
    'auth:\n  keys: { plugin: auth-api-key, config: { keys: "k-1" } }\n',
  );
});

const io = (env: NodeJS.ProcessEnv = {}) => captureIo(env, cwd);

describe('gateway token', () => {
  it('issues the token of the first token-issuing scheme, with the project id', async () => {
    const { io: cli, out, err } = io({ TOKEN_SECRET: secret });
    expect(
      await runCli(['token', 'ab1234', '--project-id', 'risk-analysis', '--profile', 'tokens.yaml'], cli),
    ).toEqual({ exitCode: 0 });
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    const principal = await new TokenService({ secret, scheme: 'jwt' }).verify(out[0]!);
    expect(principal).toMatchObject({
      id: 'ab1234',
      kind: 'user',
      attributes: { project_id: 'risk-analysis' },
    });
    // Deterministic, as /generate-token is: the same SOEID and project give the same token.
    expect(out[0]).toBe(
      await new TokenService({ secret, scheme: 'jwt' }).issue('ab1234', { project_id: 'risk-analysis' }),
    );
  });

  it('reads the profile from GATEWAY_PROFILE and leaves the project out when not given', async () => {
    const { io: cli, out } = io({
      TOKEN_SECRET: secret,
      GATEWAY_PROFILE: 'tokens.yaml',
      TOKEN_ISSUER: 'ops',
    });
    expect(await runCli(['token', 'xy9876'], cli)).toEqual({ exitCode: 0 });
    const principal = await new TokenService({ secret, scheme: 'jwt', issuer: 'ops' }).verify(out[0]!);
    expect(principal.id).toBe('xy9876');
    expect(principal.attributes).toEqual({});
  });

  it('fails with a message when no scheme issues tokens (none configured, or the JWT one has no secret)', async () => {
    const keysOnly = io();
    expect(await runCli(['token', 'ab1234', '-p', 'keys-only.yaml'], keysOnly.io)).toEqual({ exitCode: 1 });
    expect(keysOnly.err.join('\n')).toMatch(/no enabled auth scheme in .*keys-only\.yaml issues tokens/);
    expect(keysOnly.out).toEqual([]);
    const noSecret = io();
    expect(await runCli(['token', 'ab1234', '-p', 'tokens.yaml'], noSecret.io)).toEqual({ exitCode: 1 });
    expect(noSecret.err.join('\n')).toMatch(/issues tokens/);
  });

  it('needs a SOEID', async () => {
    const { io: cli, err } = io({ TOKEN_SECRET: secret });
    expect(await runCli(['token', '  ', '-p', 'tokens.yaml'], cli)).toEqual({ exitCode: 1 });
    expect(err.join('\n')).toMatch(/a SOEID is required/);
  });

  it('reports a broken profile the way check does', async () => {
    const { io: cli, err } = io();
    expect(await runCli(['token', 'ab1234', '-p', 'missing.yaml'], cli)).toEqual({ exitCode: 1 });
    expect(err.join('\n')).toMatch(/missing\.yaml: \(file\): file not found/);
  });
});
