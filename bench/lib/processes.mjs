// Child processes of the benchmark: the upstream simulators, the bare proxy and the built gateway.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '@llm-gateway/testkit';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));
const upstreamPath = fileURLToPath(new URL('./upstream.mjs', import.meta.url));
const heapProbePath = fileURLToPath(new URL('./heap-probe.mjs', import.meta.url));
const bareProxyPath = fileURLToPath(new URL('./bare-proxy.mjs', import.meta.url));
const maxLog = 64 * 1024;

function tail(current, chunk) {
  const next = current + chunk;
  return next.length > maxLog ? next.slice(next.length - maxLog) : next;
}

/** PATH and HOME only: provider keys from the shell never reach the gateway. */
function cleanEnv(extra) {
  const env = {};
  for (const name of ['PATH', 'HOME']) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

function track(child) {
  const state = { logs: '', exited: false };
  child.stdout?.setEncoding('utf8').on('data', (chunk) => {
    state.logs = tail(state.logs, chunk);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk) => {
    state.logs = tail(state.logs, chunk);
  });
  child.once('exit', () => {
    state.exited = true;
  });
  return state;
}

async function stopChild(child, state, graceMs = 5000) {
  if (state.exited) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const kill = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {}
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** `node <args>`, under `taskset -c <cpus>` when `cpus` is given (e.g. '1': that core only). */
function nodeCommand(args, cpus) {
  return cpus === undefined
    ? [process.execPath, args]
    : ['taskset', ['-c', String(cpus), process.execPath, ...args]];
}

/** Pins this process (every thread it has now; later ones inherit it) and its future children to `cpus`. */
export function pinSelf(cpus) {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpus), String(process.pid)], { stdio: 'ignore' });
}

/** Resolves with the first stdout line of `child` parsed as JSON (a helper process's URLs). */
function firstJsonLine(child, state, what) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start\n${state.logs}`)), 15_000);
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n')) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line));
        } catch (error) {
          reject(error);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code})\n${state.logs}`));
    });
  });
}

/** What the bench holds of a measured child process: its pid, CPU time, memory, logs, stop. */
function measuredHandle(child, state, url) {
  return {
    url,
    pid: child.pid,
    logs: () => state.logs,
    alive: () => !state.exited,
    // `graceMs`: how long it may take to exit after SIGTERM before SIGKILL (default 5 s).
    stop: (graceMs) => stopChild(child, state, graceMs),
    heap: () => heapOf(child, state),
    cpuSeconds: () => cpuSecondsOf(child.pid),
  };
}

/** Starts lib/upstream.mjs (on `cpus` if given); resolves with the simulator URLs. */
export async function startUpstreams({ cpus } = {}) {
  const [command, args] = nodeCommand([upstreamPath], cpus);
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: cleanEnv({}),
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const state = track(child);
  const urls = await firstJsonLine(child, state, 'upstream simulators');
  return { ...urls, pid: child.pid, logs: () => state.logs, stop: () => stopChild(child, state) };
}

/**
 * Starts lib/bare-proxy.mjs in front of `upstreams` ({ name: url }), with the heap probe, on `cpus` if
 * given; resolves with a handle whose `urls` has one proxy URL per upstream name.
 */
export async function startBareProxy({ upstreams, cpus }) {
  const [command, args] = nodeCommand(
    ['--expose-gc', '--import', pathToFileURL(heapProbePath).href, bareProxyPath],
    cpus,
  );
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: cleanEnv({ BARE_PROXY_UPSTREAMS: JSON.stringify(upstreams) }),
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const state = track(child);
  const urls = await firstJsonLine(child, state, 'bare proxy');
  return { ...measuredHandle(child, state, undefined), urls };
}

/**
 * Starts `gateway start --profile <profile>` on a free port; resolves once GET /health answers.
 * The heap probe is preloaded (see heap-probe.mjs); `cpuProfile` (a path) adds `--cpu-prof`; `cpus`
 * pins it (taskset); `stdout` (a file descriptor) takes its stdout, i.e. its log, instead of a pipe.
 * `cli` runs another build's cli.js (e.g. a copy of an older build) instead of this tree's.
 * `cpuProfileDir` adds `--cpu-prof` with Node's own file names (one per thread: the main thread's is
 * `CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile`), where a fixed `cpuProfile` name lets a worker thread's
 * profile (the tokenizer's) overwrite the main thread's.
 */
export async function startGateway({
  profile,
  env,
  cpuProfile,
  cpus,
  stdout,
  timeoutMs = 30_000,
  cli = cliPath,
  cpuProfileDir,
}) {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`pnpm build\` first`);
  const port = await freePort();
  const nodeArgs = ['--expose-gc', '--import', pathToFileURL(heapProbePath).href];
  if (cpuProfile) {
    nodeArgs.push(
      '--cpu-prof',
      '--cpu-prof-dir',
      dirname(cpuProfile),
      '--cpu-prof-name',
      basename(cpuProfile),
    );
  }
  if (cpuProfileDir) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', cpuProfileDir);
  const [command, args] = nodeCommand([...nodeArgs, cli, 'start', '--profile', profile], cpus);
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: cleanEnv({ ...env, PORT: String(port), HOST: '127.0.0.1' }),
    detached: true,
    stdio: ['ignore', stdout ?? 'pipe', 'pipe'],
  });
  const state = track(child);
  const url = `http://127.0.0.1:${port}`;
  const gateway = measuredHandle(child, state, url);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (state.exited) throw new Error(`gateway exited before answering /health\n${state.logs}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200 || response.status === 503) return gateway;
    } catch {}
    await sleep(100);
  }
  await gateway.stop();
  throw new Error(`gateway did not answer /health on ${url} in ${timeoutMs} ms\n${state.logs}`);
}

/** Asks the heap probe for a post-GC reading; undefined if it does not answer within 5 s. */
function heapOf(child, state) {
  if (state.exited) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let buffer = '';
    const done = (value) => {
      clearTimeout(timer);
      child.stderr.off('data', onData);
      resolve(value);
    };
    const onData = (chunk) => {
      buffer += chunk;
      const match = /^bench-heap (\{.*\})$/m.exec(buffer);
      if (match) done(JSON.parse(match[1]));
    };
    const timer = setTimeout(() => done(undefined), 5000);
    child.stderr.on('data', onData);
    child.kill('SIGUSR2');
  });
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds a process has used so far, from /proc (Linux only). */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** CPU seconds per thread name (main thread, V8 workers, libuv pool...) of a process, from /proc (Linux only). */
export function threadCpuOf(pid) {
  const out = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / clockTicks;
    }
  } catch {}
  return out;
}

/** VmHWM (peak resident set) and VmRSS of a process, in MiB, from /proc (Linux only). */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : undefined;
    };
    return { peakRssMiB: field('VmHWM'), rssMiB: field('VmRSS') };
  } catch {
    return { peakRssMiB: undefined, rssMiB: undefined };
  }
}

/** The pids of `pid`'s child processes (cluster workers), from /proc (Linux only). */
export function childPidsOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** The telemetry block of a gateway's /health (recorded, buffered, store, sinks). */
export async function telemetryOf(gateway) {
  const response = await fetch(`${gateway.url}/health`);
  const body = await response.json();
  return body.telemetry ?? body.checks?.telemetry ?? body;
}
