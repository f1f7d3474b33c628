import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/server/logger.js');

/**
 * Runs a script in a child process whose stdout is a file (as a deployed gateway's log is), the logger
 * built from dist; resolves with the script's stderr (its observations) and the file's lines.
 */
async function runWithLogFile(dir: string, script: string) {
  const logPath = path.join(dir, 'out.log');
  const fd = openSync(logPath, 'w');
  const source = `import { createLogger } from ${JSON.stringify(pathToFileURL(built).href)};\n${script}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
    stdio: ['ignore', fd, 'pipe'],
  });
  closeSync(fd);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const lines = readFileSync(logPath, 'utf8').split('\n').filter(Boolean);
  return { code, stderr, lines };
}

describe('createLogger: buffered stdout', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds lines below bufferBytes, writes them within flushIntervalMs, and writes the rest at exit', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gateway-logger-'));
    const { code, stderr, lines } = await runWithLogFile(
      dir,
      `import { fstatSync } from 'node:fs';
const log = createLogger({ level: 'info', buffer: { bytes: 3072, flushIntervalMs: 100 } });
const written = () => fstatSync(1).size;
log.info('first');
await new Promise((resolve) => setTimeout(resolve, 20));
process.stderr.write('held ' + written() + '\\n');
await new Promise((resolve) => setTimeout(resolve, 400));
process.stderr.write('flushed ' + written() + '\\n');
for (let i = 0; i < 30; i++) log.info({ i }, 'more');
process.exit(0);`,
    );
    expect(code).toBe(0);
    // Nothing was written 20 ms after the first line: it waited for more (one write per line is what this saves).
    expect(stderr).toContain('held 0\n');
    expect(Number(/flushed (\d+)/.exec(stderr)?.[1])).toBeGreaterThan(0);
    // Lines logged just before process.exit are not lost.
    expect(lines).toHaveLength(31);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ msg: 'more', i: 29 });
  });

  it('writes whole lines, at most 4096 bytes (PIPE_BUF) per write, so workers sharing a pipe never split a line', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gateway-logger-'));
    const { code, stderr, lines } = await runWithLogFile(
      dir,
      `import fs from 'node:fs';
const sizes = [];
const write = fs.write;
fs.write = function (fd, data, ...rest) {
  if (fd === 1) sizes.push([Buffer.byteLength(data), String(data).endsWith('\\n')]);
  return write.call(this, fd, data, ...rest);
};
const log = createLogger({ level: 'info', buffer: { bytes: 3072, flushIntervalMs: 50 } });
for (let i = 0; i < 400; i++) log.info({ i, pad: 'p'.repeat(300) }, 'line');
await new Promise((resolve) => setTimeout(resolve, 300));
process.stderr.write(JSON.stringify(sizes));`,
    );
    expect(code).toBe(0);
    const sizes = JSON.parse(stderr) as [number, boolean][];
    expect(lines).toHaveLength(400);
    // Batched (far fewer writes than lines), each within PIPE_BUF and ending on a line's end.
    expect(sizes.length).toBeLessThan(100);
    expect(sizes.filter(([bytes, wholeLines]) => bytes > 4096 || !wholeLines)).toEqual([]);
  });

  it('writes a warning at once, with the info lines held before it, in order', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gateway-logger-'));
    const { stderr, lines } = await runWithLogFile(
      dir,
      `import { readFileSync } from 'node:fs';
const log = createLogger({ level: 'info', buffer: { bytes: 3072, flushIntervalMs: 60000 } });
log.info('held');
log.warn('Redis connection lost');
await new Promise((resolve) => setTimeout(resolve, 50));
process.stderr.write(readFileSync('/proc/self/fd/1', 'utf8'));
await new Promise((resolve) => setTimeout(resolve, 5));`,
    );
    const early = stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).msg);
    expect(early).toEqual(['held', 'Redis connection lost']);
    expect(lines).toHaveLength(2);
  });

  it('bufferBytes 0 writes each line without waiting for more', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gateway-logger-'));
    const { stderr, lines } = await runWithLogFile(
      dir,
      `import { fstatSync } from 'node:fs';
const log = createLogger({ level: 'info', buffer: { bytes: 0, flushIntervalMs: 60000 } });
log.info('first');
await new Promise((resolve) => setTimeout(resolve, 50));
process.stderr.write('written ' + fstatSync(1).size + '\\n');`,
    );
    expect(Number(/written (\d+)/.exec(stderr)?.[1])).toBeGreaterThan(0);
    expect(lines).toHaveLength(1);
  });
});
