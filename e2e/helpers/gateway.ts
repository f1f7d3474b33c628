/** Runs the BUILT gateway as a real child process, the way an operator does, for black-box tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@llm-gateway/testkit';
import { parseDocument } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath = resolve(repoRoot, 'packages/server/dist/cli.js');

/** Keeps only the end of a long log: enough to explain a failure, bounded in memory. */
const maxLogChars = 256 * 1024;

export interface StartGatewayOptions {
  /** Profile path, absolute or relative to the repo root. */
  profile: string;
  /** Merged onto a clean environment (PATH and HOME only); PORT and HOST are set by the helper. */
  env?: Record<string, string | undefined>;
  /** How long to wait for `/health` to answer. */
  timeoutMs?: number;
  /** Working directory (where third-party plugins resolve from); defaults to the repo root. */
  cwd?: string;
}

/** Longer than the default logging.flushIntervalMs (250 ms): info lines held in the batch are out by then. */
const logFlushMs = 400;

export interface Gateway {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  port: number;
  pid: number;
  /** The child process, to check it is still alive (`exitCode === null`). */
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far (the tail, when long). */
  logs(): string;
  /** The logs once the lines it still holds are written (logging.flushIntervalMs, 250 ms by default). */
  writtenLogs(): Promise<string>;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, in arrival order. */
  output: string;
}

export function profilePath(profile: string): string {
  return isAbsolute(profile) ? profile : resolve(repoRoot, profile);
}

/** PATH and HOME only, so real provider keys in the developer's shell never reach the gateway. */
export function cleanEnv(env: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['PATH', 'HOME']) {
    const value = process.env[name];
    if (value !== undefined) out[name] = value;
  }
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function assertBuilt(): void {
  if (!existsSync(cliPath)) {
    throw new Error(`${cliPath} does not exist: run \`pnpm build\` before the e2e tests`);
  }
}

function appendLog(current: string, chunk: string): string {
  const next = current + chunk;
  return next.length > maxLogChars ? next.slice(next.length - maxLogChars) : next;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

/** Sends `signal` to the child's process group (it was spawned detached). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // The child leads its own process group (detached), so this reaches anything it spawned too.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
export async function stopGroup(child: ChildProcess, graceMs = 5000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const done = exited(child);
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
  return child.exitCode;
}

async function healthAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200 || response.status === 503;
  } catch {
    return false;
  }
}

/**
 * With `E2E_RELAY=off` (the e2e suite's second run, see vitest.config.ts) the gateway runs a copy of the
 * profile with `server.relay: false`: every answer translated. The copy goes to a temporary directory (the
 * server resolves nothing relative to the profile's own), never beside the original, where tests that list
 * `configs/*.yaml` would see it. Returns the path to start and a function that removes the copy.
 */
function relayVariant(profile: string): { path: string; remove: () => void } {
  if (process.env.E2E_RELAY !== 'off') return { path: profile, remove: () => {} };
  const document = parseDocument(readFileSync(profile, 'utf8'));
  document.setIn(['server', 'relay'], false);
  const dir = mkdtempSync(join(tmpdir(), 'e2e-relay-off-'));
  const path = join(dir, basename(profile));
  writeFileSync(path, document.toString());
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function startOnce(options: StartGatewayOptions, port: number): Promise<Gateway> {
  const variant = relayVariant(profilePath(options.profile));
  const profile = variant.path;
  // Telemetry CSV files and quarantined records go to a directory of the test's own unless it names one.
  const csvDir = options.env?.['CSV_FALLBACK_DIR'] ?? mkdtempSync(join(tmpdir(), 'e2e-telemetry-'));
  const quarantineDir = options.env?.['TELEMETRY_QUARANTINE_DIR'] ?? join(csvDir, 'quarantine');
  const env = cleanEnv({
    ...options.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    CSV_FALLBACK_DIR: csvDir,
    TELEMETRY_QUARANTINE_DIR: quarantineDir,
  });
  const child = spawn(process.execPath, [cliPath, 'start', '--profile', profile], {
    cwd: options.cwd ?? repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    logs = appendLog(logs, chunk);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    logs = appendLog(logs, chunk);
  });
  child.on('error', (error) => {
    logs = appendLog(logs, `\n[spawn error] ${String(error)}\n`);
  });
  const url = `http://127.0.0.1:${port}`;

  const stop = async (graceMs?: number) => {
    try {
      return await stopGroup(child, graceMs);
    } finally {
      variant.remove();
    }
  };

  const gateway: Gateway = {
    url,
    port,
    pid: child.pid ?? -1,
    child,
    logs: () => logs,
    writtenLogs: async () => {
      await new Promise((resolve) => setTimeout(resolve, logFlushMs));
      return logs;
    },
    stop,
  };

  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new GatewayStartError(
        `gateway exited (code ${child.exitCode}, signal ${child.signalCode}) before /health answered`,
        logs,
      );
    }
    if (await healthAnswers(url)) return gateway;
    await sleep(100);
  }
  await stop(1000);
  throw new GatewayStartError(`gateway did not answer GET /health on ${url} in time`, logs);
}

export class GatewayStartError extends Error {
  constructor(
    message: string,
    readonly logs: string,
  ) {
    super(`${message}\n--- gateway output ---\n${logs}`);
    this.name = 'GatewayStartError';
  }
}

/** Starts `gateway start --profile <profile>` on a free port and waits until `/health` answers (200 or 503). */
export async function startGateway(options: StartGatewayOptions): Promise<Gateway> {
  assertBuilt();
  let lastError: unknown;
  // freePort() closes the port before the child binds it; another process may take it meanwhile.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(options, await freePort());
    } catch (error) {
      lastError = error;
      if (!(error instanceof GatewayStartError) || !/EADDRINUSE/.test(error.logs)) throw error;
    }
  }
  throw lastError;
}

/** Runs the gateway CLI with `args` (e.g. `['check', profile]`) to completion. */
export function runGatewayCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CommandResult> {
  assertBuilt();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: repoRoot,
      env: cleanEnv(options.env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = appendLog(stdout, chunk);
      output = appendLog(output, chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = appendLog(stderr, chunk);
      output = appendLog(output, chunk);
    });
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`gateway ${args.join(' ')} did not finish in time\n${output}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, output });
    });
  });
}

/** `gateway check <profile>`: validates a profile without starting the server. */
export function checkProfile(
  profile: string,
  env?: Record<string, string | undefined>,
): Promise<CommandResult> {
  return runGatewayCli(['check', profilePath(profile)], env ? { env } : {});
}

/** Upstream keys a test hands the gateway, one per OpenAI-wire backend. */
export interface BackendKeys {
  openai: string;
  deepseek: string;
  groq: string;
}

/** The variables that enable all four backends of configs/default.yaml, each answered by a simulator. */
export function simulatedBackendsEnv(
  keys: BackendKeys,
  sims: { openai: { url: string }; ollama: { url: string } },
): Record<string, string> {
  return {
    OPENAI_API_KEY: keys.openai,
    OPENAI_BASE_URL: `${sims.openai.url}/v1`,
    DEEPSEEK_API_KEY: keys.deepseek,
    DEEPSEEK_BASE_URL: sims.openai.url,
    GROQ_API_KEY: keys.groq,
    GROQ_BASE_URL: sims.openai.url,
    OLLAMA_HOST: sims.ollama.url,
  };
}
