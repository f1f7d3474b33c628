/**
 * Abuse of the auth and connection limits against the built gateway (issue 19): one bad client behind a
 * NAT must not lock out the others at its address; sockets held open from a few addresses must leave room
 * for new ones at a lowered descriptor limit (`ulimit -n` in the gateway's shell); the example DSP clients
 * (the seed's documented secret `password`) are refused unless a development flag allows them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  cliPath,
  type Gateway,
  profilePath,
  repoRoot,
  runGatewayCli,
  startGateway,
  stopGroup,
} from './helpers/gateway.js';
import { detailOf, dgenPingToken } from './helpers/http.js';

const TOKEN_SECRET = 'e2e-abuse-auth-token-secret-0123456789';
const API_KEY = 'e2e-abuse-auth-api-key-7d41c9';
const STALE_KEY = 'e2e-abuse-auth-stale-key-2f80aa';
const DSP_SECRET = 'e2e-abuse-auth-dsp-secret-51b3';
const LIMIT = 5;
const ADDRESS_LIMIT = 15;

let sim: Simulator;
let clientsDir: string;
let gateway: Gateway;

beforeAll(async () => {
  sim = await startOpenAISimulator();
  // Clients of the test's own, with their own secret: the shipped examples are refused.
  clientsDir = await mkdtemp(join(tmpdir(), 'e2e-abuse-clients-'));
  const hashed = await runGatewayCli(['hash-secret', DSP_SECRET]);
  const client_secret_hash = hashed.stdout.trim();
  for (const client_id of ['nat_client', 'other_client']) {
    await writeFile(join(clientsDir, `${client_id}.json`), JSON.stringify({ client_id, client_secret_hash }));
  }
  gateway = await startGateway({
    profile: 'configs/all-surfaces.yaml',
    env: {
      TOKEN_SECRET,
      GATEWAY_API_KEYS: API_KEY,
      OPENAI_API_KEY: 'sk-e2e-abuse-upstream',
      OPENAI_BASE_URL: `${sim.url}/v1`,
      CLIENTS_DIR: clientsDir,
      AUTH_FAILURE_LIMIT: String(LIMIT),
      AUTH_FAILURE_ADDRESS_LIMIT: String(ADDRESS_LIMIT),
      LOG_LEVEL: 'info',
    },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await sim?.close();
  if (clientsDir) await rm(clientsDir, { recursive: true, force: true });
});

/** A POST from a given loopback address (Linux routes all of 127/8 to lo), as one machine behind it. */
function postFrom(
  base: string,
  localAddress: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(
      `${base}${path}`,
      {
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.setTimeout(10_000, () => request.destroy(new Error('no answer in 10 s')));
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] };
const dspBody = { prompt: 'hello', provider: 'openai', model: 'gpt-4o-mini' };

describe('failed logins behind one NAT address', () => {
  it('a stale key locked out every client at the address: now only that key is refused', async () => {
    const nat = '127.0.0.11';
    const post = (path: string, body: unknown, headers: Record<string, string>) =>
      postFrom(gateway.url, nat, path, body, headers);
    for (let i = 0; i < LIMIT; i++) {
      const stale = await post('/v1/chat/completions', chat, { authorization: `Bearer ${STALE_KEY}` });
      expect(stale.status, stale.text).toBe(401);
    }
    const blocked = await post('/v1/chat/completions', chat, { authorization: `Bearer ${STALE_KEY}` });
    expect(blocked.status, blocked.text).toBe(429);
    expect(JSON.parse(blocked.text).error.code).toBe('auth_throttled');

    // Everyone else behind the NAT: the API key, a dgen-ping user, a DSP client.
    const good = await post('/v1/chat/completions', chat, { authorization: `Bearer ${API_KEY}` });
    expect(good.status, good.text).toBe(200);
    const token = await dgenPingToken(gateway.url, TOKEN_SECRET, 'ab1234');
    const completion = { soeid: 'ab1234', project_name: 'nat', prompt: 'hello' };
    const dgen = await post('/api/llm/completion', completion, { 'X-API-Token': token });
    expect(dgen.status, dgen.text).toBe(200);
    const dsp = await post('/api/v1/generate', dspBody, {
      client_id: 'nat_client',
      client_secret: DSP_SECRET,
    });
    expect(dsp.status, dsp.text).toBe(200);

    // A DSP client guessing its secret blocks that client id at this address, not the other client.
    for (let i = 0; i < LIMIT; i++) {
      const guess = await post('/api/v1/generate', dspBody, {
        client_id: 'nat_client',
        client_secret: `guess-${i}`,
      });
      expect(guess.status, guess.text).toBe(401);
    }
    const guessed = await post('/api/v1/generate', dspBody, {
      client_id: 'nat_client',
      client_secret: DSP_SECRET,
    });
    expect(guessed.status, guessed.text).toBe(429);
    const other = await post('/api/v1/generate', dspBody, {
      client_id: 'other_client',
      client_secret: DSP_SECRET,
    });
    expect(other.status, other.text).toBe(200);

    const logs = await gateway.writtenLogs();
    expect(logs).not.toContain(STALE_KEY);
    expect(logs).not.toContain('guess-0');
  });

  it('an address spraying many identities still hits the per-address ceiling; other addresses do not', async () => {
    const sprayer = '127.0.0.12';
    for (let i = 0; i < ADDRESS_LIMIT; i++) {
      const guess = await postFrom(gateway.url, sprayer, '/v1/chat/completions', chat, {
        authorization: `Bearer sk-spray-${i}`,
      });
      expect(guess.status, guess.text).toBe(401);
    }
    const good = await postFrom(gateway.url, sprayer, '/v1/chat/completions', chat, {
      authorization: `Bearer ${API_KEY}`,
    });
    expect(good.status, good.text).toBe(429);
    const elsewhere = await postFrom(gateway.url, '127.0.0.13', '/v1/chat/completions', chat, {
      authorization: `Bearer ${API_KEY}`,
    });
    expect(elsewhere.status, elsewhere.text).toBe(200);
  });
});

/** `gateway start` with `ulimit -n <limit>` in its shell, on a free port; resolves once /health answers. */
async function startWithFileLimit(profile: string, limit: number) {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'bash',
    [
      '-c',
      `ulimit -n ${limit} && exec "$0" "$@"`,
      process.execPath,
      cliPath,
      'start',
      '--profile',
      profilePath(profile),
    ],
    {
      cwd: repoRoot,
      env: cleanEnv({
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        CSV_FALLBACK_DIR: clientsDir,
      }),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let logs = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    logs += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    logs += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; tries < 200; tries++) {
    if (child.exitCode !== null) throw new Error(`gateway exited early:\n${logs}`);
    const status = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
      .then((response) => response.status)
      .catch(() => 0);
    if (status === 200 || status === 503) return { child, port, logs: () => logs };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopGroup(child, 1000);
  throw new Error(`gateway did not answer /health:\n${logs}`);
}

/** A socket from `localAddress` that sends half a request head and holds the connection. */
function slowSocket(port: number, localAddress: string) {
  const socket: Socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const opened = new Promise<void>((resolve) => {
    socket.once('connect', () => {
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
      resolve();
    });
    socket.once('close', () => resolve());
  });
  return { socket, closed, opened };
}

function healthFrom(port: number, localAddress: string) {
  return new Promise<number>((resolve) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: '/health', localAddress, agent: false },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.setTimeout(5000, () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

describe('descriptor share at a lowered file limit (ulimit -n 256)', () => {
  it('5 addresses holding sockets failed most new clients: each address is capped and new ones get in', async () => {
    // 256 descriptors: auto maxConnections (256 - 64) / 2 = 96, per address 96 / 8 = 12.
    const limited = await startWithFileLimit('configs/default.yaml', 256);
    const held: ReturnType<typeof slowSocket>[] = [];
    try {
      for (let n = 21; n <= 25; n++) {
        for (let i = 0; i < 40; i++) {
          const socket = slowSocket(limited.port, `127.0.0.${n}`);
          await socket.opened;
          held.push(socket);
        }
      }
      let closed = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${closed} sockets were refused`)), 10_000);
        for (const socket of held) {
          socket.closed.then(() => {
            closed += 1;
            if (closed === 5 * (40 - 12)) {
              clearTimeout(timer);
              resolve();
            }
          });
        }
      });
      const probes = await Promise.all(
        Array.from({ length: 30 }, (_, i) => healthFrom(limited.port, `127.0.3.${i + 1}`)),
      );
      // Answered at all (default.yaml has no backend, so /health says 503): 0 is a refused connection.
      expect(probes.filter((status) => status === 0)).toEqual([]);
      expect(limited.child.exitCode, limited.logs()).toBeNull();
    } finally {
      for (const socket of held) socket.socket.destroy();
      await stopGroup(limited.child, 3000);
    }
  });
});

describe('the example DSP clients (secret `password`)', () => {
  it('loaded with only an error line and could reload clients: refused by name unless allowed', async () => {
    const dsp = await startGateway({
      profile: 'configs/dsp.yaml',
      env: { OPENAI_API_KEY: 'sk-e2e-abuse-upstream', OPENAI_BASE_URL: `${sim.url}/v1`, LOG_LEVEL: 'info' },
    });
    try {
      const example = { client_id: 'test_client', client_secret: 'password' };
      const generate = await fetch(`${dsp.url}/api/v1/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...example },
        body: JSON.stringify(dspBody),
      });
      await detailOf(generate, 401);
      await detailOf(await fetch(`${dsp.url}/api/v1/clients/reload`, { headers: example }), 401);
      const logs = await dsp.writtenLogs();
      for (const file of ['test_client.json', 'openai_only_client.json', 'groq_only_client.json']) {
        expect(logs).toContain(`client file skipped: ${file}: uses the published example secret`);
      }
    } finally {
      await dsp.stop();
    }
    const check = await runGatewayCli(['check', profilePath('configs/dsp.yaml')]);
    expect(check.output).toContain(
      'client file skipped: test_client.json: uses the published example secret',
    );

    const demo = await startGateway({
      profile: 'configs/dsp.yaml',
      env: {
        OPENAI_API_KEY: 'sk-e2e-abuse-upstream',
        OPENAI_BASE_URL: `${sim.url}/v1`,
        DSP_ALLOW_EXAMPLE_SECRET: 'true',
      },
    });
    try {
      const reload = await fetch(`${demo.url}/api/v1/clients/reload`, {
        headers: { client_id: 'test_client', client_secret: 'password' },
      });
      expect(reload.status, await reload.clone().text()).toBe(200);
    } finally {
      await demo.stop();
    }
  });
});
