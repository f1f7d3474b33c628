import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile, parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';
import { LogRedaction, maskSecrets } from './log-redaction.js';
import { createLogger } from './logger.js';

const servers: GatewayServer[] = [];
let clientDir: string;

beforeAll(async () => {
  clientDir = await mkdtemp(join(tmpdir(), 'log-redaction-clients-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(async () => {
  await rm(clientDir, { recursive: true, force: true });
});

// Header and query names no built-in list or pattern knows: only the schemes' own config names them.
const renamedProfile = (level: string) => `
logging: { level: ${level} }
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-upstream, baseURL: "http://127.0.0.1:9/v1" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: gw-key-1, headers: [x-gw-k], queryParam: gwq } }
  jwt: { plugin: auth-jwt, config: { secret: "${'s'.repeat(40)}", header: x-gw-j } }
  clients: { plugin: auth-client-secret, config: { dir: "${clientDir}", idHeader: x-gw-id, secretHeader: x-gw-c } }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: openai } }
surfaces:
  openai: { plugin: surface-openai, auth: [keys, jwt, clients], allowQueryCredentials: true }
`;

async function capturedServer(profileText: string) {
  const lines: string[] = [];
  const gateway = await buildServer(parseProfile(profileText, { source: 'redaction.yaml' }), {
    logStream: { write: (line: string) => lines.push(line) },
  });
  servers.push(gateway);
  return { gateway, output: () => lines.join('') };
}

const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('credentials never reach the access log', () => {
  for (const level of ['info', 'trace']) {
    // Regression: auth-api-key `headers`, auth-jwt `header` and auth-client-secret `secretHeader` renamed them past a fixed list.
    it(`redacts the headers and query names each auth scheme is configured to read (${level})`, async () => {
      const { gateway, output } = await capturedServer(renamedProfile(level));
      const sent = {
        'x-gw-k': 'apikey-secret-1111',
        'x-gw-j': 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.jwtsecret2222',
        'x-gw-c': 'client-secret-3333',
      };
      for (const [name, value] of Object.entries(sent)) {
        const headers: Record<string, string> = { [name]: value, 'user-agent': 'redaction-agent' };
        if (name === 'x-gw-c') headers['x-gw-id'] = 'client-a';
        await gateway.app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload: body });
      }
      await gateway.app.inject({
        method: 'GET',
        url: '/v1/models?gwq=query-secret-4444&x=1',
        headers: { accept: 'text/event-stream' },
      });
      const logged = output();
      expect(logged).toContain('redaction-agent');
      expect(logged).toContain('client-a');
      for (const secret of [...Object.values(sent), 'query-secret-4444'])
        expect(logged).not.toContain(secret);
    });
  }

  it('redacts X-Client-Secret on the default profile', async () => {
    const profile = await loadProfile(
      fileURLToPath(new URL('../../../../configs/default.yaml', import.meta.url)),
      {
        env: {},
      },
    );
    const lines: string[] = [];
    const gateway = await buildServer(profile, { logStream: { write: (line: string) => lines.push(line) } });
    servers.push(gateway);
    await gateway.app.inject({
      method: 'GET',
      url: '/v1/models',
      headers: { 'x-client-secret': 'password-5555', 'x-client-id': 'visible-id' },
    });
    expect(lines.join('')).toContain('visible-id');
    expect(lines.join('')).not.toContain('password-5555');
  });
});

describe('maskSecrets', () => {
  it('summarises binary data, masks secret-named fields and never traverses other objects', () => {
    class Exotic {
      get boom(): never {
        throw new Error('traversed');
      }
    }
    const exotic = new Exotic();
    const masked = maskSecrets({
      err: { rawPacket: Buffer.from('GET / HTTP/1.1\r\nAuthorization: Bearer sk-raw\r\n') },
      nested: { config: { apiKey: 'sk-nested', keep: 1 } },
      list: [{ token: 't' }],
      exotic,
    }) as Record<string, unknown>;
    expect(JSON.stringify(masked)).not.toMatch(/sk-raw|sk-nested|"t"/);
    expect(masked['exotic']).toBe(exotic);
    expect(masked['nested']).toEqual({ config: { apiKey: '[Redacted]', keep: 1 } });
  });

  // Regression: at trace, Fastify's client error (a Buffer in `rawPacket`) made pino's redaction throw.
  it('logs an error carrying a Buffer at trace without throwing', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'trace', stream: { write: (line: string) => lines.push(line) } });
    const err = Object.assign(new Error('Parse Error: Invalid method encountered'), {
      code: 'HPE_INVALID_METHOD',
      rawPacket: Buffer.from('GARBAGE\r\n\r\n'),
    });
    expect(() => log.trace({ err }, 'client error')).not.toThrow();
    expect(lines.join('')).toContain('HPE_INVALID_METHOD');
    log.warn({ err: 'a plain string' }, 'not an error');
    expect(JSON.parse(lines.at(-1)!).err).toBe('a plain string');
  });

  it('masks names added from a scheme, in headers and URLs', () => {
    const redaction = new LogRedaction();
    redaction.add({ headers: ['X-Custom'], query: ['q1'] });
    expect(redaction.headers({ 'x-custom': 'v', host: 'h' })).toEqual({
      'x-custom': '[Redacted]',
      host: 'h',
    });
    expect(redaction.url('/p?q1=v&api_key=w&x=1')).toBe('/p?q1=[Redacted]&api_key=[Redacted]&x=1');
  });
});
