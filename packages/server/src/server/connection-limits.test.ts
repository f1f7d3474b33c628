import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { testAuthPlugin, testBackendPlugin, testSurfacePlugin } from '../__fixtures__/test-plugins.js';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';
import { openFileLimit, resolveMaxConnections } from './connection-limits.js';

const profileWith = (server: string) => `
logging: { level: warn }
server: ${server}
backends:
  alpha: { plugin: backend-test, config: { reply: one two three, models: [alpha-model] } }
auth:
  keys: { plugin: auth-test, config: { keys: [sk-good-1] } }
routing: { defaultModel: alpha-model, models: { alpha-model: alpha } }
surfaces:
  api: { plugin: surface-test, auth: [keys], prefix: /api }
`;

const servers: GatewayServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function listen(server: string) {
  const backend = testBackendPlugin();
  const gateway = await buildServer(parseProfile(profileWith(server), { source: 'test.yaml', env: {} }), {
    logStream: { write: () => {} },
    plugins: {
      'backend-test': backend.plugin,
      'auth-test': testAuthPlugin().plugin,
      'surface-test': testSurfacePlugin,
    },
  });
  servers.push(gateway);
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  return { gateway, port, backends: backend.instances };
}

/** Opens a raw socket, writes `head`, and resolves with what the server answered once it closed. */
function rawClient(port: number, head: string, localAddress = '127.0.0.1') {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  sockets.push(socket);
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  socket.once('connect', () => socket.write(head));
  return { socket, closed };
}

/** Resolves with `value`, or with 'still open' after `ms`: bounds a test against today's missing timeouts. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> {
  return Promise.race([promise, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))]);
}

function get(port: number, path: string, localAddress: string) {
  return new Promise<number>((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, localAddress, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.setTimeout(5000, () => request.destroy(new Error('no answer in 5 s')));
    request.on('error', reject);
  });
}

describe('connection exhaustion: timeouts and connection caps from the profile', () => {
  it('cuts a request whose body trickles in past server.requestTimeoutMs', async () => {
    const { port } = await listen('{ requestTimeoutMs: 400, headersTimeoutMs: 200 }');
    const client = rawClient(
      port,
      'POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mess',
    );
    const answer = await within(client.closed, 4000);
    expect(answer).not.toBe('still open');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts a client that sends its headers slowly past server.headersTimeoutMs', async () => {
    const { port } = await listen('{ requestTimeoutMs: 3000, headersTimeoutMs: 300 }');
    const client = rawClient(port, 'GET /health HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => client.socket.write('X-Slow: 1\r\n'), 50);
    const answer = await within(client.closed, 2500);
    clearInterval(trickle);
    expect(answer).not.toBe('still open');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('does not cut an answer that takes longer than the request timeout once the request is in', async () => {
    const { port, backends } = await listen('{ requestTimeoutMs: 300, headersTimeoutMs: 200 }');
    const release = backends.get('alpha')!.hold();
    const arrived = backends.get('alpha')!.arrived();
    const body = JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/chat',
          method: 'POST',
          agent: false,
          headers: { authorization: 'Bearer sk-good-1', 'content-type': 'application/json' },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    await arrived;
    // Four request timeouts and several checking intervals pass while the answer is pending.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    release();
    await expect(answer).resolves.toEqual({ status: 200, text: 'one two three ' });
  });

  it('keeps serving another address while 200 slow sockets from one address hold their connections', async () => {
    const { port } = await listen(
      '{ requestTimeoutMs: 20000, headersTimeoutMs: 20000, maxConnections: 100, maxConnectionsPerAddress: 20 }',
    );
    const slow = Array.from({ length: 200 }, () => rawClient(port, 'GET /health HTTP/1.1\r\nHost: x\r\n'));
    // Every socket past the per-address cap is closed by the server at once.
    const refused = await within(
      new Promise<number>((resolve) => {
        let closed = 0;
        for (const client of slow) {
          client.closed.then(() => {
            closed += 1;
            if (closed === 180) resolve(closed);
          });
        }
      }),
      5000,
    );
    expect(refused).toBe(180);
    await expect(get(port, '/health', '127.0.0.2')).resolves.toBe(200);
  });
});

/** Opens `count` raw sockets from `localAddress`, one after another so the server takes them in that order. */
async function holdSockets(port: number, localAddress: string, count: number) {
  const clients: ReturnType<typeof rawClient>[] = [];
  for (let i = 0; i < count; i++) {
    const client = rawClient(port, 'GET /health HTTP/1.1\r\nHost: x\r\n', localAddress);
    await new Promise((resolve) => client.socket.once('connect', resolve).once('close', resolve));
    clients.push(client);
  }
  return clients;
}

/** Resolves once `count` of the clients were closed by the server (bounded, against a hang). */
function closedCount(clients: ReturnType<typeof rawClient>[], count: number) {
  let closed = 0;
  return within(
    new Promise<number>((resolve) => {
      if (count === 0) resolve(0);
      for (const client of clients) {
        client.closed.then(() => {
          closed += 1;
          if (closed === count) resolve(closed);
        });
      }
    }),
    10_000,
  );
}

describe('connection caps keep a share of descriptors for new addresses (real sockets, 127.0.0.0/8)', () => {
  const slowServer = '{ requestTimeoutMs: 30000, headersTimeoutMs: 30000, maxConnections: 100 }';

  it('5 addresses holding every connection failed new clients: each address is capped, new ones get in', async () => {
    const { port } = await listen(slowServer);
    const floods = await Promise.all([2, 3, 4, 5, 6].map((n) => holdSockets(port, `127.0.0.${n}`, 40)));
    // auto per address: 100 / 8 = 12; every socket past it is closed before it is read.
    expect(await closedCount(floods.flat(), 5 * (40 - 12))).toBe(140);
    const probes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => get(port, '/health', `127.0.1.${i + 1}`)),
    );
    expect(probes).toEqual(Array(20).fill(200));
  });

  it('many busy addresses cannot take the reserve: an address with few connections still gets in', async () => {
    const { port } = await listen(slowServer);
    const floods: ReturnType<typeof rawClient>[] = [];
    for (let n = 2; n < 14; n++) floods.push(...(await holdSockets(port, `127.0.0.${n}`, 15)));
    // 75 before the reserve (6 x 12 + 3), then 2 for each of the 5 addresses that had none: 85 held.
    expect(await closedCount(floods, 180 - 85)).toBe(95);
    for (let i = 1; i <= 10; i++) await expect(get(port, '/health', `127.0.2.${i}`)).resolves.toBe(200);
  });
});

describe('maxConnections: auto', () => {
  it('leaves half of the descriptors (minus a reserve) for upstream connections', () => {
    expect(resolveMaxConnections('auto', 1024)).toBe(480);
    expect(resolveMaxConnections('auto', undefined)).toBe(4096);
    expect(resolveMaxConnections(0, 1024)).toBe(0);
    expect(
      openFileLimit(() => 'Max open files            1024                 4096                 files\n'),
    ).toBe(1024);
  });
});
