/**
 * Seed 002 (configs/inference.yaml) through restarts: an API-only gateway and a `gateway worker` on a
 * real redis-server that keeps its data (append-only file, same dir and port). Restarting the gateway
 * and the worker (SIGTERM) or Redis itself loses no task that was answered 202.
 */
import { type RedisInstance, type Simulator, startOllamaSimulator, startRedis } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { postJson, waitUntil } from './helpers/http.js';
import {
  INFERENCE_PROFILE,
  startWorker,
  submitTask,
  taskResult,
  type WorkerProcess,
} from './helpers/inference.js';

const KEY = 'restart-key-7d21';
let redis: RedisInstance;
let sim: Simulator;
let env: Record<string, string>;
let gateway: Gateway;
let worker: WorkerProcess;

/** GET /status of each task. */
async function statuses(ids: string[]): Promise<string[]> {
  return Promise.all(
    ids.map(async (id) => {
      const response = await fetch(`${gateway.url}/status/${id}`, { headers: { 'X-API-Key': KEY } });
      return ((await response.json()) as { status: string }).status;
    }),
  );
}

/** Every task answers its own echo once it is done. */
async function expectAllCompleted(tasks: Map<string, string>): Promise<void> {
  for (const [id, prompt] of tasks) {
    expect(await taskResult(gateway, id, KEY, 90_000)).toMatchObject({
      status: 'completed',
      task_id: id,
      result: `Echo: ${prompt}`,
    });
  }
}

beforeAll(async () => {
  // Each answer streams for about a second (one word every 150 ms).
  [redis, sim] = await Promise.all([
    startRedis({ persistent: true }),
    startOllamaSimulator({ chunkDelayMs: 150 }),
  ]);
  env = {
    API_KEYS: KEY,
    OLLAMA_HOST: sim.url,
    OLLAMA_MODEL: 'llama3.2',
    REDIS_URL: redis.url,
    WORKERS: '0',
    TASK_TIME_LIMIT: '30',
    TASK_LOCK_SECONDS: '2',
    TASK_STALLED_CHECK_SECONDS: '1',
    RATE_LIMIT: '100000',
    RATE_LIMIT_BURST: '100000',
    LOG_LEVEL: 'warn',
  };
  [gateway, worker] = await Promise.all([
    startGateway({ profile: INFERENCE_PROFILE, env }),
    startWorker({ ...env, WORKERS: '2' }),
  ]);
}, 60_000);

afterAll(async () => {
  worker?.kill('SIGKILL');
  await gateway?.stop();
  await Promise.all([redis?.stop(), sim?.close()]);
});

describe('seed 002 through restarts', () => {
  it('gateway and worker restarted (SIGTERM) with tasks still queued: after the restart every task completes', async () => {
    const tasks = new Map<string, string>();
    for (let i = 0; i < 8; i++) {
      const prompt = `queued before the restart number ${i}`;
      tasks.set(await submitTask(gateway, prompt, KEY), prompt);
    }
    const before = await statuses([...tasks.keys()]);
    expect(before.filter((status) => status === 'queued').length).toBeGreaterThanOrEqual(4);
    const [gatewayExit, workerExit] = await Promise.all([gateway.stop(15_000), worker.stop(15_000)]);
    expect([gatewayExit, workerExit]).toEqual([0, 0]);
    [gateway, worker] = await Promise.all([
      startGateway({ profile: INFERENCE_PROFILE, env }),
      startWorker({ ...env, WORKERS: '2' }),
    ]);
    await expectAllCompleted(tasks);
  }, 120_000);

  it('Redis restarted mid-run (data kept): every task that got a 202 completes once it is back', async () => {
    const accepted = new Map<string, string>();
    const refusals: Array<{ status: number | string; body?: string }> = [];
    /** One POST /generate: true once it was accepted. */
    const submit = async (prompt: string): Promise<boolean> => {
      try {
        const response = await postJson(`${gateway.url}/generate`, { prompt }, { 'X-API-Key': KEY });
        const text = await response.text();
        const taskId =
          response.status === 202 ? (JSON.parse(text) as { task_id?: string }).task_id : undefined;
        if (taskId) accepted.set(taskId, prompt);
        else refusals.push({ status: response.status, body: text });
        return taskId !== undefined;
      } catch (error) {
        refusals.push({ status: String(error) });
        return false;
      }
    };
    for (let i = 0; i < 6; i++) await submit(`before the Redis restart number ${i}`);
    await waitUntil(
      async () => (await statuses([...accepted.keys()])).includes('processing'),
      'a task to be processing',
      20_000,
    );
    await redis.shutdown();
    for (let i = 0; i < 4; i++) await submit(`while Redis is down number ${i}`);
    await redis.restart();
    // Once Redis is back (the gateway reconnects with a backoff), submits are accepted again.
    for (let i = 0; i < 4; i++) {
      const prompt = `after the Redis restart number ${i}`;
      await waitUntil(() => submit(prompt), `"${prompt}" to be accepted`, 20_000);
    }
    expect(accepted.size).toBeGreaterThanOrEqual(10);
    // Refused while Redis was away: a clear 503, never a 202 for a task that is then lost.
    expect(refusals.length).toBeGreaterThanOrEqual(4);
    for (const refusal of refusals) expect(refusal).toMatchObject({ status: 503 });
    await expectAllCompleted(accepted);
  }, 180_000);
});
