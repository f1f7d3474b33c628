/**
 * Seed 002 (the LLM Inference System) on configs/inference.yaml: its own client flows (Python requests,
 * Node axios, cURL, a browser-style EventSource) against two API-only gateway instances and separate
 * `gateway worker` processes on one real Redis, with an Ollama simulator upstream. A worker is
 * SIGKILLed mid-task, a task runs past TASK_TIME_LIMIT, and a key goes over its burst.
 */
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  defaultReply,
  freePort,
  lastUserText,
  type RedisInstance,
  type Simulator,
  startOllamaSimulator,
  startRedis,
} from '@llm-gateway/testkit';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, repoRoot, startGateway } from './helpers/gateway.js';
import { postJson, waitUntil } from './helpers/http.js';
import {
  INFERENCE_PROFILE,
  startWorker,
  submitTask,
  taskResult,
  type WorkerProcess,
} from './helpers/inference.js';

const run = promisify(execFile);
const fixtures = resolve(repoRoot, 'e2e/fixtures');
const KEY = 'test-key-123';
/** The seed's Python client runs on the venv that .ci/install-deps.sh --test makes (it pins `requests`). */
const python = process.env.SEED_PYTHON ?? join(homedir(), '.gateway-tools/venv/bin/python');
const hasPythonRequests = spawnSync(python, ['-c', 'import requests'], { stdio: 'ignore' }).status === 0;

/** Words of a long answer: a SLOW prompt streams for about 2.4 s, a VERYSLOW one for 12 s. */
const words = (count: number) => Array.from({ length: count }, (_, i) => `word${i}`).join(' ');
function reply(body: unknown): string {
  const prompt = lastUserText(body);
  if (prompt.includes('VERYSLOW')) return words(300);
  if (prompt.includes('SLOW')) return words(60);
  return defaultReply(body);
}

let redis: RedisInstance;
let sim: Simulator;
let env: Record<string, string>;
const gateways: Gateway[] = [];
const workers: WorkerProcess[] = [];

const submit = (gateway: Gateway, prompt: string, key = KEY) => submitTask(gateway, prompt, key);
const resultOf = (gateway: Gateway, id: string, timeoutMs?: number) =>
  taskResult(gateway, id, KEY, timeoutMs);

/** The seed's EventSource client: messages until `completed` (or a failure), then close. */
function follow(gateway: Gateway, id: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((done, fail) => {
    const seen: Array<Record<string, unknown>> = [];
    const eventSource = new EventSource(`${gateway.url}/stream/${id}?api_key=${KEY}`);
    const timer = setTimeout(() => {
      eventSource.close();
      fail(new Error(`stream of ${id} did not end: ${JSON.stringify(seen)}`));
    }, 40_000);
    eventSource.onmessage = (event) => {
      const data = JSON.parse(event.data) as Record<string, unknown>;
      seen.push(data);
      if (data['status'] === 'completed' || data['status'] === 'failed') {
        clearTimeout(timer);
        eventSource.close();
        done(seen);
      }
    };
  });
}

const streamedText = (events: Array<Record<string, unknown>>) =>
  events.map((event) => (typeof event['text'] === 'string' ? event['text'] : '')).join('');

beforeAll(async () => {
  [redis, sim] = await Promise.all([startRedis(), startOllamaSimulator({ chunkDelayMs: 40, reply })]);
  env = {
    API_KEYS: `${KEY},demo-key-456`,
    OLLAMA_HOST: sim.url,
    OLLAMA_MODEL: 'llama3.2',
    REDIS_URL: redis.url,
    WORKERS: '0',
    TASK_TIME_LIMIT: '6',
    TASK_LOCK_SECONDS: '2',
    TASK_STALLED_CHECK_SECONDS: '1',
    LOG_LEVEL: 'warn',
  };
  const started = await Promise.all([
    startGateway({ profile: INFERENCE_PROFILE, env }),
    startGateway({ profile: INFERENCE_PROFILE, env }),
    startWorker(env),
  ]);
  gateways.push(started[0], started[1]);
  workers.push(started[2]);
}, 90_000);

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await Promise.all([redis?.stop(), sim?.close()]);
});

describe('seed 002 on two gateway instances and a worker process', () => {
  it('the Python requests polling loop gets the result and metrics', async () => {
    if (!hasPythonRequests) {
      throw new Error(
        `${python} cannot import requests: run \`bash .ci/install-deps.sh --test\` (or set SEED_PYTHON)`,
      );
    }
    const [a] = gateways;
    const { stdout } = await run(python, [join(fixtures, 'inference-seed-client.py'), a!.url], {
      timeout: 60_000,
    });
    expect(stdout).toMatch(/Task ID: [0-9a-f-]{36}/);
    expect(stdout).toContain('Result: Echo: Explain machine learning in simple terms');
    expect(stdout).toMatch(/Metrics: \{'queue_wait_time': [\d.]+, 'processing_time': [\d.]+, 'total_time'/);
  }, 70_000);

  it('the Node.js axios polling loop gets the result and metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-inference-'));
    const script = join(dir, 'client.cjs');
    copyFileSync(join(fixtures, 'inference-seed-client.cjs.txt'), script);
    const { stdout } = await run(process.execPath, [script, gateways[1]!.url], {
      timeout: 60_000,
      env: { ...process.env, NODE_PATH: resolve(repoRoot, 'e2e/node_modules') },
    });
    expect(stdout).toContain('Result: Echo: Explain quantum computing in simple terms');
    expect(stdout).toMatch(/Metrics: \{\s+queue_wait_time: [\d.]+,\s+processing_time/);
  }, 70_000);

  it('the cURL flow: status, then the result after a few seconds', async () => {
    const { stdout } = await run('bash', [join(fixtures, 'inference-seed-curl.sh')], {
      timeout: 30_000,
      env: { ...process.env, BASE_URL: gateways[0]!.url },
    });
    const [idLine = '', ...lines] = stdout.split('\n');
    const rest = lines.join('\n');
    expect(idLine).toMatch(/^Task ID: [0-9a-f-]{36}$/);
    const [status, result] = rest
      .split(/(?<=\})(?=\{)/)
      .map((part) => JSON.parse(part) as Record<string, unknown>);
    expect(Object.keys(status!).sort()).toEqual(['message', 'status', 'task_id']);
    expect(result).toMatchObject({ status: 'completed', result: 'Echo: Write a joke about AI' });
  }, 40_000);

  it('an EventSource with ?api_key= on one instance follows a task submitted on the other', async () => {
    const id = await submit(gateways[0]!, 'SLOW stream across instances');
    const events = await follow(gateways[1]!, id);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ status: 'completed', result: words(60) });
    expect(Object.keys(last['metrics'] as object)).toContain('tokens_per_second');
    expect(events.some((event) => event['status'] === 'processing')).toBe(true);
    expect(streamedText(events)).toBe(words(60));
    for (const event of events) expect(typeof event['message']).toBe('string');
  }, 60_000);

  it('a worker SIGKILLed mid-task: another worker runs the task and it completes; the stream sends the text once', async () => {
    const id = await submit(gateways[0]!, 'SLOW the worker dies');
    const stream = follow(gateways[1]!, id);
    await waitUntil(
      async () => {
        const status = (await (
          await fetch(`${gateways[0]!.url}/status/${id}`, { headers: { 'X-API-Key': KEY } })
        ).json()) as {
          status: string;
        };
        return status.status === 'processing';
      },
      'the task to be processing',
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    workers[0]!.kill('SIGKILL');
    workers.push(await startWorker(env));
    const result = await resultOf(gateways[1]!, id);
    expect(result).toMatchObject({ status: 'completed', result: words(60) });
    const events = await stream;
    expect(events.at(-1)).toMatchObject({ status: 'completed', result: words(60) });
    expect(streamedText(events)).toBe(words(60));
  }, 90_000);

  it('a task over TASK_TIME_LIMIT fails with TimeLimitExceeded', async () => {
    const id = await submit(gateways[1]!, 'VERYSLOW never finishes in time');
    const result = await resultOf(gateways[0]!, id, 30_000);
    expect(result).toEqual({
      status: 'error',
      task_id: id,
      error_message: 'Task exceeded the time limit of 6 seconds',
      error_type: 'TimeLimitExceeded',
    });
  }, 40_000);

  it('over the burst of 10 (counted across both instances in Redis): 429 with the seed body and Retry-After', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 14 && !limited; i++) {
      const response = await postJson(
        `${gateways[i % 2]!.url}/generate`,
        { prompt: `burst ${i}` },
        { 'X-API-Key': 'demo-key-456' },
      );
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(202);
    }
    expect(limited).toBeDefined();
    expect(await limited!.json()).toEqual({ error: 'Rate limit exceeded', status_code: 429 });
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('/health carries the seed fields; a task is invisible to another key', async () => {
    const health = (await (await fetch(`${gateways[0]!.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: 'healthy',
      redis_connected: true,
      model_loaded: true,
      backend: 'ollama',
      model: 'llama3.2',
    });
    expect(Array.isArray(health['available_models'])).toBe(true);
    const id = await submit(gateways[0]!, 'private');
    const other = await fetch(`${gateways[1]!.url}/result/${id}`, {
      headers: { 'X-API-Key': 'demo-key-456' },
    });
    expect(other.status).toBe(404);
  });

  it("the worker process serves its task histograms on WORKER_METRICS_PORT (an API-only gateway's /metrics lacks them)", async () => {
    // The only worker left, so the task runs where the metrics are read.
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    const port = await freePort();
    workers.push(await startWorker({ ...env, WORKER_METRICS_PORT: String(port) }));
    const id = await submit(gateways[0]!, 'counted where it runs');
    await resultOf(gateways[0]!, id);
    const base = `http://127.0.0.1:${port}`;
    let text = '';
    await waitUntil(async () => {
      text = await (await fetch(`${base}/metrics`)).text();
      const count = /^gateway_task_processing_seconds_count\{[^}]*outcome="completed"[^}]*\} (\d+)/m.exec(
        text,
      );
      return count !== null && Number(count[1]) >= 1;
    }, 'the worker to count a completed task');
    expect(text).toMatch(/^gateway_task_queue_wait_seconds_count \d+/m);
    expect((await fetch(`${base}/v1/models`)).status).toBe(404);
    expect((await fetch(`${gateways[0]!.url}/metrics`)).status).toBe(200);
  });
});
