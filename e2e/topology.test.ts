/**
 * The Compose topology as plain processes (no Docker engine here): docker-compose.yml's two gateways and
 * worker started with exactly the environment the file gives each service (its `${VAR:-default}` filled
 * from this test's "shell"), the service host names `redis` and `mongo` pointed at a real redis-server and
 * FerretDB (MongoDB wire protocol), the upstream an Ollama simulator (OLLAMA_HOST, a variable the file
 * passes). Each gateway serves a chat request and is ready; an async task submitted to one is run by the
 * worker and its result read from the other; telemetry reaches the MongoDB store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type MongoInstance,
  type RedisInstance,
  type Simulator,
  startMongo,
  startOllamaSimulator,
  startRedis,
} from '@llm-gateway/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanEnv, cliPath, type Gateway, repoRoot, startGateway, stopGroup } from './helpers/gateway.js';
import { postJson, waitUntil } from './helpers/http.js';

interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number>;
}
const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

/** Compose interpolation of one value: `${VAR}`, `${VAR:-default}`, `${VAR:?error}` from `shell`. */
function interpolate(value: string, shell: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
    (_all, name: string, op?: string, arg?: string) => {
      const set = shell[name];
      if (set !== undefined && set !== '') return set;
      if (op === '?') throw new Error(`docker-compose.yml needs ${name}: ${arg}`);
      return op === '-' ? (arg ?? '') : '';
    },
  );
}

/** A service's environment as Compose would give it, with the compose network's host names mapped to ours. */
function serviceEnv(
  name: string,
  shell: Record<string, string>,
  hosts: Record<string, string>,
): Record<string, string> {
  const service = compose.services[name];
  if (!service?.environment) throw new Error(`docker-compose.yml has no environment for ${name}`);
  return Object.fromEntries(
    Object.entries(service.environment).map(([key, raw]) => {
      let value = interpolate(String(raw), shell);
      for (const [from, to] of Object.entries(hosts)) value = value.replace(from, to);
      return [key, value];
    }),
  );
}

const apiKey = 'sk-topology-gateway-key';
const taskKey = 'topology-task-key';
let redis: RedisInstance;
let mongo: MongoInstance;
let sim: Simulator;
const gateways: Gateway[] = [];
let worker: ChildProcess | undefined;
let workerLogs = '';
let envs: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  [redis, mongo, sim] = await Promise.all([startRedis(), startMongo(), startOllamaSimulator()]);
  // What an operator exports before `docker compose up` (TOKEN_SECRET is required by the file).
  const shell = {
    TOKEN_SECRET: 'topology-token-secret-0123456789',
    GATEWAY_API_KEYS: apiKey,
    API_KEYS: taskKey,
    OLLAMA_HOST: sim.url,
    LOG_LEVEL: 'warn',
  };
  const mongoBase = mongo.url.replace(/\/[^/?]*(\?.*)?$/, '');
  const hosts = {
    'redis://redis:6379': redis.url,
    'mongodb://mongo:27017': mongoBase,
  };
  envs = Object.fromEntries(
    ['gateway-1', 'gateway-2', 'worker'].map((name) => [
      name,
      { ...serviceEnv(name, shell, hosts), DB_NAME: mongo.dbName },
    ]),
  );
  const csv = () => mkdtempSync(join(tmpdir(), 'e2e-topology-csv-'));
  // The image's entrypoint is `gateway`; its command `start` (gateways) or `worker`, the profile from GATEWAY_PROFILE.
  const started = await Promise.all(
    ['gateway-1', 'gateway-2'].map((name) =>
      startGateway({
        profile: envs[name]?.['GATEWAY_PROFILE'] ?? 'GATEWAY_PROFILE missing in docker-compose.yml',
        env: { ...envs[name], CSV_FALLBACK_DIR: csv() },
        timeoutMs: 60_000,
      }),
    ),
  );
  gateways.push(...started);
  expect(compose.services['worker']?.command).toEqual(['worker']);
  worker = spawn(process.execPath, [cliPath, 'worker'], {
    cwd: repoRoot,
    env: cleanEnv({ ...envs['worker'], CSV_FALLBACK_DIR: csv(), LOG_LEVEL: 'info' }),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [worker.stdout, worker.stderr])
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      workerLogs = (workerLogs + chunk).slice(-100_000);
    });
  await waitUntil(
    () => workerLogs.includes('worker running') || worker?.exitCode !== null,
    'the worker to start',
    60_000,
  );
  if (worker.exitCode !== null) throw new Error(`worker exited: ${workerLogs}`);
}, 120_000);

afterAll(async () => {
  if (worker) await stopGroup(worker, 5000);
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await Promise.all([redis?.stop(), mongo?.stop(), sim?.close()]);
});

describe('docker-compose.yml as processes: two gateways, a worker, Redis, FerretDB', () => {
  it('gives every gateway and the worker time to drain before SIGKILL (2 x shutdownTimeoutMs + 5 s)', () => {
    for (const name of ['gateway-1', 'gateway-2', 'worker']) {
      const grace = (compose.services[name] as { stop_grace_period?: string }).stop_grace_period ?? '10s';
      expect(Number(/^(\d+)s$/.exec(grace)?.[1]), name).toBeGreaterThanOrEqual(2 * 10 + 5);
    }
  });

  it('both gateways are API-only on the shared profile, ready, and serve a chat request', async () => {
    expect(envs['gateway-1']?.['WORKERS']).toBe('0');
    expect(envs['gateway-1']?.['GATEWAY_PROFILE']).toBe(envs['worker']?.['GATEWAY_PROFILE']);
    for (const gateway of gateways) {
      const ready = await fetch(`${gateway.url}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', reasons: [] });
      const response = await postJson(
        `${gateway.url}/v1/chat/completions`,
        { model: 'ollama/llama3.2', messages: [{ role: 'user', content: `hello from ${gateway.port}` }] },
        { authorization: `Bearer ${apiKey}` },
      );
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.choices[0]?.message.content).toContain(`hello from ${gateway.port}`);
    }
  }, 60_000);

  it('a task submitted to gateway-1 is run by the worker and read back from gateway-2', async () => {
    const submitted = await postJson(
      `${gateways[0]!.url}/generate`,
      { prompt: 'run me on the worker' },
      {
        'X-API-Key': taskKey,
      },
    );
    expect(submitted.status).toBe(202);
    const { task_id: id } = (await submitted.json()) as { task_id: string };
    let result: Record<string, unknown> = {};
    await waitUntil(
      async () => {
        const response = await fetch(`${gateways[1]!.url}/result/${id}`, {
          headers: { 'X-API-Key': taskKey },
        });
        result = (await response.json()) as Record<string, unknown>;
        return result['status'] === 'completed' || result['status'] === 'error';
      },
      `task ${id} to finish\n${workerLogs}`,
      30_000,
    );
    expect(result['status'], JSON.stringify(result)).toBe('completed');
    expect(JSON.stringify(result)).toContain('run me on the worker');
    // Only the worker runs tasks (the gateways have WORKERS=0): it is the one that called the upstream.
    expect(sim.requests.some((r) => JSON.stringify(r.body).includes('run me on the worker'))).toBe(true);
  }, 60_000);

  it('telemetry of the requests above reaches the MongoDB store', async () => {
    const client = new MongoClient(mongo.url);
    try {
      await client.connect();
      const records = client.db(mongo.dbName).collection('telemetry');
      await waitUntil(
        async () => (await records.countDocuments()) >= 2,
        'telemetry records in MongoDB',
        20_000,
      );
    } finally {
      await client.close();
    }
  }, 30_000);
});
