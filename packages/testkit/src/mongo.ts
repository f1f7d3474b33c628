/** A MongoDB for tests: `MONGO_URL` when set, otherwise a throwaway FerretDB (SQLite) on a free port. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, type ServiceProcess, spawnService, waitUntilReady } from './child-processes.js';
import { freePort } from './free-port.js';
import { mongoPing } from './tcp-probe.js';

export interface MongoInstance {
  /** Connection string naming a database unique to this instance. */
  url: string;
  /** The database in `url`. */
  dbName: string;
  /** Stops FerretDB and removes its data; a no-op for `MONGO_URL`. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL) and keeps its data, to play an outage; not available for `MONGO_URL`. */
  kill(): Promise<void>;
  /** Starts it again on the same port over the same data. */
  restart(): Promise<void>;
}

export interface MongoOptions {
  /** How long to wait for the server to answer `ping` (default 30 s). */
  startTimeoutMs?: number;
  /** Database name (default: unique per call). */
  dbName?: string;
}

function uniqueDbName(): string {
  return `test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Puts `dbName` in the path of a mongodb:// URL, keeping its options. */
export function withDatabase(url: string, dbName: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(url);
  if (!match) throw new Error(`not a MongoDB URL: ${url}`);
  return `${match[1]}/${dbName}${match[2] ?? ''}`;
}

async function ferretBinary(): Promise<string> {
  const found =
    process.env['FERRETDB_BIN'] ??
    (await findExecutable('ferretdb', [join(homedir(), '.gateway-tools', 'bin')]));
  if (!found)
    throw new Error('ferretdb not found on PATH nor in ~/.gateway-tools/bin (run .ci/install-deps.sh)');
  return found;
}

export async function startMongo(options: MongoOptions = {}): Promise<MongoInstance> {
  const dbName = options.dbName ?? uniqueDbName();
  const external = process.env['MONGO_URL'];
  if (external) {
    const unsupported = async () => {
      throw new Error('kill/restart need a FerretDB started by testkit (MONGO_URL is set)');
    };
    return {
      url: withDatabase(external, dbName),
      dbName,
      stop: async () => {},
      kill: unsupported,
      restart: unsupported,
    };
  }

  const binary = await ferretBinary();
  const dir = await mkdtemp(join(tmpdir(), 'testkit-ferretdb-'));
  const host = '127.0.0.1';
  let service: ServiceProcess | undefined;
  let port = 0;
  const launch = async (fixedPort?: number) => {
    for (let attempt = 1; ; attempt++) {
      port = fixedPort ?? (await freePort());
      const args = [
        '--handler=sqlite',
        `--sqlite-url=file:${dir}/`,
        `--listen-addr=${host}:${port}`,
        '--debug-addr=-',
        '--state-dir=-',
        '--telemetry=disable',
        '--log-level=error',
      ];
      service = spawnService(binary, args, dir);
      try {
        await waitUntilReady(
          service,
          () => mongoPing(port, host),
          `ferretdb on port ${port}`,
          options.startTimeoutMs ?? 30_000,
        );
        break;
      } catch (error) {
        if (attempt >= 3 || /panic:/.test(service.output())) {
          await rm(dir, { recursive: true, force: true });
          if (/version\.txt/.test(service.output())) {
            throw new Error(
              `${binary} was built without build/version/version.txt and cannot start; rebuild it from the module ` +
                'source with that file holding the version (e.g. v1.24.2), or set FERRETDB_BIN or MONGO_URL',
              { cause: error },
            );
          }
          throw error;
        }
      }
    }
  };
  await launch();
  const fixedPort = port;
  return {
    url: `mongodb://${host}:${port}/${dbName}`,
    dbName,
    async stop() {
      await service?.terminate('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await service?.terminate('SIGKILL');
    },
    restart: () => launch(fixedPort),
  };
}
