/**
 * Fuzzes every documented operation of configs/all-surfaces.yaml with schemathesis, through /openapi.json:
 * no request may get a 5xx or crash the process, and every answer must match what the document says
 * (status, media type, headers, body schema). A fixed seed and a bounded number of examples per operation
 * keep the run reproducible and short; upstreams are the testkit simulators, on 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  freePort,
  type RedisInstance,
  type Simulator,
  startMongo,
  startOllamaSimulator,
  startOpenAISimulator,
  startRedis,
} from '@llm-gateway/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, repoRoot, startGateway } from '../helpers/gateway.js';

const fuzzDir = resolve(repoRoot, 'e2e/fuzz');
const installCommand =
  'python3 -m venv "$HOME/.gateway-tools/venv" && "$HOME/.gateway-tools/venv/bin/pip" install -r e2e/fuzz/requirements.txt';
/** Generous for ~25 examples per operation on 2 shared cores; the run is killed past it. */
const runLimitMs = 240_000;

const TOKEN_SECRET = 'e2e-fuzz-token-secret-0123456789abcdef';
const API_KEY = 'e2e-fuzz-api-key-5b2e8d';
const INFERENCE_KEY = 'e2e-fuzz-inference-key-9c41a7';
const dspClient = { id: 'test_client', secret: 'password' };

/** Polls `check` until it holds; fails after 20 s (a store that stopped taking records). */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('condition not met in 20 s');
}

/** $SCHEMATHESIS_BIN, else the venv that .ci/install-deps.sh makes; never a silent skip. */
function schemathesisBin(): string {
  const candidates = process.env.SCHEMATHESIS_BIN
    ? [process.env.SCHEMATHESIS_BIN]
    : ['st', 'schemathesis'].map((name) => join(homedir(), '.gateway-tools/venv/bin', name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Try the next one.
    }
  }
  throw new Error(
    `schemathesis not found (looked at ${candidates.join(', ')}). Install it with:\n  ${installCommand}\n` +
      'or point SCHEMATHESIS_BIN at an `st` executable.',
  );
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, SIGKILLing its process group past `limitMs`. */
function run(command: string, args: string[], env: Record<string, string>, cwd: string, limitMs: number) {
  return new Promise<RunResult>((done, fail) => {
    const child: ChildProcess = spawn(command, args, {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const append = (chunk: string) => {
      output = (output + chunk).slice(-200_000);
    };
    child.stdout?.setEncoding('utf8').on('data', append);
    child.stderr?.setEncoding('utf8').on('data', append);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      fail(new Error(`${command} did not finish in ${limitMs} ms\n${output}`));
    }, limitMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

let openaiSim: Simulator;
let ollamaSim: Simulator;
let redis: RedisInstance;
let gateway: Gateway;
let workDir: string;

beforeAll(async () => {
  openaiSim = await startOpenAISimulator();
  ollamaSim = await startOllamaSimulator();
  // Tasks on BullMQ, as deployed: the task routes' ids then reach Redis, where BullMQ keeps its own keys.
  redis = await startRedis();
  gateway = await startGateway({
    profile: 'configs/all-surfaces.yaml',
    env: {
      TOKEN_SECRET,
      GATEWAY_API_KEYS: API_KEY,
      DSP_ALLOW_EXAMPLE_SECRET: 'true', // the shipped example clients (secret `password`)
      // Every backend enabled, each answered by a simulator.
      OPENAI_API_KEY: 'sk-e2e-fuzz-openai',
      OPENAI_BASE_URL: `${openaiSim.url}/v1`,
      DEEPSEEK_API_KEY: 'sk-e2e-fuzz-deepseek',
      DEEPSEEK_BASE_URL: openaiSim.url,
      PROXYAPI_API_KEY: 'sk-e2e-fuzz-openrouter',
      OPENROUTER_BASE_URL: openaiSim.url,
      API_KEYS: INFERENCE_KEY,
      GROQ_API_KEY: 'gsk_e2e_fuzz_groq',
      GROQ_BASE_URL: openaiSim.url,
      OLLAMA_HOST: ollamaSim.url,
      REDIS_URL: redis.url,
      DOWNSTREAM_SERVICES: JSON.stringify({ gemini: { url: `${openaiSim.url}/v1`, model: 'gpt-4o-mini' } }),
      // The development token reaches the dgen-ping handlers whatever soeid the fuzzer puts in a body.
      ALLOW_DEFAULT_TOKEN: 'true',
      // The fuzzer sends thousands of requests as one caller: the per-caller limit is not under test here.
      RATE_LIMIT: '1000000',
      LOG_LEVEL: 'warn',
    },
  });
  workDir = mkdtempSync(join(tmpdir(), 'gateway-fuzz-'));
});

afterAll(async () => {
  await gateway?.stop();
  await openaiSim?.close();
  await ollamaSim?.close();
  await redis?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Runs schemathesis with e2e/fuzz/schemathesis.toml against `url`'s /openapi.json, `extra` flags last. */
function fuzz(url: string, extra: string[] = []): Promise<RunResult> {
  // In the test, not in beforeAll: a missing fuzzer counts as a failed test, naming the install command.
  const bin = schemathesisBin();
  const config = join(fuzzDir, 'schemathesis.toml');
  const args = ['--config-file', config, 'run', `${url}/openapi.json`, '--no-color', ...extra];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? homedir(),
    FUZZ_API_KEY: API_KEY,
    FUZZ_INFERENCE_KEY: INFERENCE_KEY,
    FUZZ_DGEN_TOKEN: '1',
    FUZZ_TOKEN_SECRET: TOKEN_SECRET,
    FUZZ_DSP_CLIENT_ID: dspClient.id,
    FUZZ_DSP_CLIENT_SECRET: dspClient.secret,
    // Unstorable field names and deep nesting for POST /telemetry (e2e/fuzz/telemetry_hooks.py).
    SCHEMATHESIS_HOOKS: 'telemetry_hooks',
    PYTHONPATH: fuzzDir,
    // Nothing the run writes lands in the repository (the hooks' bytecode included).
    PYTHONDONTWRITEBYTECODE: '1',
  };
  // cwd is a scratch directory: nothing the fuzzer writes lands in the repository.
  return run(bin, args, env, workDir, runLimitMs);
}

describe('schemathesis on configs/all-surfaces.yaml', () => {
  it('/openapi.json documents every surface (a route naming an undeclared security scheme made it a 500)', async () => {
    const response = await fetch(`${gateway.url}/openapi.json`);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const paths = Object.keys((JSON.parse(text) as { paths: object }).paths);
    const expected = ['/v1/chat/completions', '/api/llm/completion', '/api/v1/generate', '/generate'];
    for (const path of [...expected, '/status/{task_id}', '/v1/tasks/{id}']) {
      expect(paths).toContain(path);
    }
  });

  it(
    'finds no 5xx, no crash and no undocumented answer, and the gateway still answers /health',
    async () => {
      const result = await fuzz(gateway.url);
      expect(result.code, `schemathesis failed:\n${result.output}\n--- gateway ---\n${gateway.logs()}`).toBe(
        0,
      );
      // The run really exercised the API (a misconfigured run could pass on nothing).
      const operations = /Operations:\s+(\d+) selected \/ \1 total/.exec(result.output);
      expect(Number(operations?.[1]), 'every documented operation is fuzzed').toBeGreaterThanOrEqual(14);
      expect(result.output).toMatch(/Test cases:\s*\n\s*\d{3,} generated, \d{3,} passed/);
      // Credentials that stopped working, or a caller throttled (failed-login 429s), would leave a shallow run.
      expect(result.output).not.toMatch(/Authentication failed:|Rate limited:/);

      expect(gateway.child.exitCode, gateway.logs()).toBeNull();
      expect(gateway.child.signalCode).toBeNull();
      const health = await fetch(`${gateway.url}/health`, { signal: AbortSignal.timeout(5000) });
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'healthy' });
    },
    runLimitMs + 30_000,
  );

  it(
    'fails the run on a 5xx: the same settings against a gateway whose upstream refuses connections',
    async () => {
      const broken = await startGateway({
        profile: 'configs/all-surfaces.yaml',
        env: {
          TOKEN_SECRET,
          GATEWAY_API_KEYS: API_KEY,
          DSP_ALLOW_EXAMPLE_SECRET: 'true', // the shipped example clients (secret `password`)
          OPENAI_API_KEY: 'sk-e2e-fuzz-openai',
          // Nothing listens there: every completion is a 502.
          OPENAI_BASE_URL: `http://127.0.0.1:${await freePort()}/v1`,
          RETRY_ATTEMPTS: '1',
          LOG_LEVEL: 'fatal',
        },
      });
      try {
        const result = await fuzz(broken.url, [
          '--include-path',
          '/v1/completions',
          '--phases',
          'examples,fuzzing',
          '--max-examples',
          '5',
          '--max-failures',
          '1',
          '--no-shrink',
        ]);
        expect(result.code, result.output).toBe(1);
        expect(result.output).toMatch(/Server error/);
      } finally {
        await broken.stop();
      }
    },
    runLimitMs + 30_000,
  );
});

describe('schemathesis on dgen-ping POST /telemetry, stored in MongoDB (FerretDB)', () => {
  it(
    'hostile event bodies (NUL, `$` and dotted field names, deep nesting) get no 5xx, and telemetry is still stored after',
    async () => {
      const mongo = await startMongo({ dbName: 'dgen_db' });
      const telemetryGateway = await startGateway({
        profile: 'configs/all-surfaces.yaml',
        env: {
          TOKEN_SECRET,
          GATEWAY_API_KEYS: API_KEY,
          ALLOW_DEFAULT_TOKEN: 'true',
          MONGO_URI: mongo.url,
          DB_NAME: 'dgen_db',
          TELEMETRY_FLUSH_MS: '200',
          LOG_LEVEL: 'warn',
        },
      });
      const client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 2000 });
      try {
        const result = await fuzz(telemetryGateway.url, [
          '--include-name',
          'POST /telemetry',
          '--max-examples',
          '60',
        ]);
        expect(result.code, `schemathesis failed:\n${result.output}\n${telemetryGateway.logs()}`).toBe(0);
        expect(result.output).toMatch(/Operations:\s+1 selected/);
        expect(telemetryGateway.child.exitCode, telemetryGateway.logs()).toBeNull();

        const stored = client.db('dgen_db').collection<{ _id: string }>('telemetry');
        // The events the surface refused (422) are themselves recorded: the hostile cases reached it.
        await waitFor(
          async () => (await stored.countDocuments({ endpoint: /telemetry$/, status_code: 422 })) > 0,
        );
        const after = await fetch(`${telemetryGateway.url}/telemetry`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-token': '1' },
          body: JSON.stringify({ event_type: 'after-fuzz', project_name: 'fuzz' }),
        });
        expect(after.status, await after.clone().text()).toBe(200);
        const { request_id: id } = (await after.json()) as { request_id: string };
        await waitFor(async () => (await stored.findOne({ _id: id })) !== null);
      } finally {
        await client.close();
        await telemetryGateway.stop();
        await mongo.stop();
      }
    },
    runLimitMs + 60_000,
  );
});
