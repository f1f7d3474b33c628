/** Seed 002 (configs/inference.yaml) in e2e: `gateway worker` processes and the task API's polling flow. */
import { type ChildProcess, spawn } from 'node:child_process';
import { expect } from 'vitest';
import { cleanEnv, cliPath, type Gateway, killGroup, profilePath, repoRoot, stopGroup } from './gateway.js';
import { postJson, waitUntil } from './http.js';

export const INFERENCE_PROFILE = 'configs/inference.yaml';

export interface WorkerProcess {
  child: ChildProcess;
  logs(): string;
  /** SIGTERM (the worker finishes its running tasks), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** `gateway worker --profile configs/inference.yaml` in its own process group; resolves once it runs tasks. */
export async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [cliPath, 'worker', '--profile', profilePath(INFERENCE_PROFILE)], {
    cwd: repoRoot,
    env: cleanEnv({ ...env, LOG_LEVEL: 'info' }),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    logs += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    logs += chunk;
  });
  const worker: WorkerProcess = {
    child,
    logs: () => logs,
    stop: (graceMs) => stopGroup(child, graceMs),
    kill: (signal) => killGroup(child, signal),
  };
  await waitUntil(
    () => logs.includes('worker running') || child.exitCode !== null,
    'the worker to start',
    20_000,
  );
  if (child.exitCode !== null) throw new Error(`worker exited: ${logs}`);
  return worker;
}

/** POST /generate; expects the 202 and answers the task id. */
export async function submitTask(gateway: Gateway, prompt: string, key: string): Promise<string> {
  const response = await postJson(`${gateway.url}/generate`, { prompt }, { 'X-API-Key': key });
  expect(response.status).toBe(202);
  return ((await response.json()) as { task_id: string }).task_id;
}

/** Polls GET /result until the task completed or failed; answers the last body. */
export async function taskResult(
  gateway: Gateway,
  id: string,
  key: string,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  await waitUntil(
    async () => {
      const response = await fetch(`${gateway.url}/result/${id}`, { headers: { 'X-API-Key': key } });
      body = (await response.json()) as Record<string, unknown>;
      return body['status'] === 'completed' || body['status'] === 'error';
    },
    `task ${id} to finish`,
    timeoutMs,
  );
  return body;
}
