/** Starts a throwaway redis-server on a free port for tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, type ServiceProcess, spawnService, waitUntilReady } from './child-processes.js';
import { freePort } from './free-port.js';
import { redisPing } from './tcp-probe.js';

export interface RedisInstance {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  host: string;
  port: number;
  /** Graceful shutdown (SIGTERM), then removes the temp dir. */
  stop(): Promise<void>;
  /** Kills the server abruptly (SIGKILL), as a crash would; `restart()` brings it back. */
  kill(): Promise<void>;
  /** Shuts the server down gracefully (SIGTERM), keeping its data directory; `restart()` brings it back. */
  shutdown(): Promise<void>;
  /** Starts the server again on the same port (after `kill()`, `shutdown()` or `stop()`): empty, or with
   * what it persisted when started `persistent`. */
  restart(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open, nothing answers. `resume()` thaws it. */
  pause(): void;
  resume(): void;
}

export interface RedisOptions {
  /** How long to wait for PING to answer (default 15 s). */
  startTimeoutMs?: number;
  /** Append-only file on, fsynced on every write: a restart (even after `kill()`) keeps every acknowledged write. */
  persistent?: boolean;
}

async function redisBinary(): Promise<string> {
  const found =
    process.env['REDIS_SERVER_BIN'] ??
    (await findExecutable('redis-server', ['/usr/bin', '/usr/local/bin', '/usr/sbin']));
  if (!found) throw new Error('redis-server not found on PATH nor in /usr/bin (run .ci/install-deps.sh)');
  return found;
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisInstance> {
  const binary = await redisBinary();
  const dir = await mkdtemp(join(tmpdir(), 'testkit-redis-'));
  const host = '127.0.0.1';
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  let service: ServiceProcess | undefined;

  const launch = async (port: number) => {
    const persistence = options.persistent
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    const args = ['--port', String(port), '--bind', host, '--save', '', ...persistence, '--dir', dir];
    const started = spawnService(binary, args, dir);
    service = started;
    await waitUntilReady(started, () => redisPing(port, host), `redis-server on port ${port}`, timeoutMs);
  };

  // A port found free may be taken before redis binds it: try a few.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch(port);
      break;
    } catch (error) {
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  return {
    url: `redis://${host}:${port}`,
    host,
    port,
    async stop() {
      // A frozen server cannot act on SIGTERM.
      service?.child.kill('SIGCONT');
      await service?.terminate('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await service?.terminate('SIGKILL');
    },
    async shutdown() {
      service?.child.kill('SIGCONT');
      await service?.terminate('SIGTERM');
    },
    async restart() {
      await service?.terminate('SIGKILL');
      await launch(port);
    },
    pause() {
      service?.child.kill('SIGSTOP');
    },
    resume() {
      service?.child.kill('SIGCONT');
    },
  };
}
