import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { silentLogger, type TelemetrySink } from '@llm-gateway/spec';
import { sampleRecords } from '@llm-gateway/testkit';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import plugin from './index.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sink-csv-full-'));
  dirs.push(dir);
  return dir;
}

async function create(dir: string): Promise<TelemetrySink> {
  const sink = await plugin.create(plugin.configSchema.parse({ dir }), {
    instanceName: 'csv',
    log: silentLogger,
  });
  if ('disabled' in sink) throw new Error('disabled');
  return sink;
}

async function readIds(sink: TelemetrySink): Promise<string[]> {
  const ids: string[] = [];
  for (const unit of await sink.spooled!()) {
    for await (const batch of unit.batches(1000)) ids.push(...batch.map((record) => record.request_id));
  }
  return ids;
}

// Writes batches through the built sink in a process whose files may not grow past `ulimit -f` (1 KiB blocks).
const child = `
import { sampleRecords } from '@llm-gateway/testkit';
const { default: plugin } = await import(process.argv[2]);
const sink = await plugin.create(plugin.configSchema.parse({ dir: process.argv[3] }), { instanceName: 'csv', log: console });
const written = [];
const failures = [];
for (let n = 0; n < 12; n += 1) {
  const batch = sampleRecords(4, 'full-' + n);
  await sink.write(batch).then(() => written.push(...batch.map((r) => r.request_id)), (e) => failures.push(e.code));
}
console.log(JSON.stringify({ written, failures }));
`;

describe('sink-csv on a full disk', () => {
  it('writes a batch whole or not at all when the file cannot grow (a full spool once left a cut row)', async () => {
    const dir = await tempDir();
    const script = join(fileURLToPath(new URL('.', import.meta.url)), '__full-disk-child.mjs');
    await writeFile(script, child);
    try {
      const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
      const { stdout } = await run('bash', [
        '-c',
        'ulimit -f 8; exec node "$0" "$1" "$2"',
        script,
        dist,
        dir,
      ]);
      const { written, failures } = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        written: string[];
        failures: string[];
      };
      expect(written.length).toBeGreaterThan(0);
      expect(failures.length).toBeGreaterThan(0);
      expect(new Set(failures)).toEqual(new Set(['EFBIG']));

      const [name] = await readdir(dir);
      const text = await readFile(join(dir, name!), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const rows = parse(text, { columns: true }) as { request_id: string }[];
      expect(rows.map((row) => row.request_id)).toEqual(written);

      // With room again, the next batch lands behind whole rows and every row reads back.
      const sink = await create(dir);
      const more = sampleRecords(2, 'room-again');
      await sink.write(more);
      expect(await readIds(sink)).toEqual([...written, ...more.map((record) => record.request_id)]);
    } finally {
      await rm(script, { force: true });
    }
  });

  it('drops a row cut off at the end (even inside a quoted cell) before appending, and never replays it', async () => {
    const dir = await tempDir();
    const sink = await create(dir);
    const first = sampleRecords(2, 'whole');
    await sink.write(first);
    const [name] = await readdir(dir);
    // A crash mid-append: half a row whose quoted project_name holds a newline.
    await appendFile(
      join(dir, name!),
      'cut-row,2026-01-02T03:04:05.000Z,openai,chat,POST,200,u,api_key,"risk, ""ana\nlysis',
    );
    expect(await readIds(sink)).toEqual(first.map((record) => record.request_id));
    const next = sampleRecords(1, 'after-cut');
    await sink.write(next);
    expect(await readIds(sink)).toEqual([...first, ...next].map((record) => record.request_id));
    expect((await readFile(join(dir, name!), 'utf8')).includes('cut-row')).toBe(false);
  });
});
