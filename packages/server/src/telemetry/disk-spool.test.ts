import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@llm-gateway/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { records } from './__fixtures__/memory-sink.js';
import { createDiskSpool } from './disk-spool.js';

const dirs: string[] = [];
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'disk-spool-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('disk spool', () => {
  it('has every record on disk before it is stored, and removes a file once all of its records are', () => {
    const dir = tempDir();
    const spool = createDiskSpool(dir, 2, silentLogger);
    const batch = records(5);
    for (const record of batch) spool.append(record);
    const files = readdirSync(dir);
    expect(files).toHaveLength(3);
    const lines = files.flatMap((file) => readFileSync(join(dir, file), 'utf8').trim().split('\n'));
    expect(lines.map((line) => JSON.parse(line))).toEqual(batch);
    spool.ack(batch.slice(0, 3));
    expect(readdirSync(dir)).toHaveLength(2);
    spool.ack(batch.slice(3));
    // The file being appended to stays until it is closed.
    expect(readdirSync(dir)).toHaveLength(1);
    spool.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('hands back what a killed run never shipped, skipping a torn last line, and forgets it once stored', () => {
    const dir = tempDir();
    const first = createDiskSpool(dir, 100, silentLogger);
    const batch = records(4, 'crash');
    for (const record of batch) first.append(record);
    first.ack(batch.slice(0, 1));
    const [file] = readdirSync(dir);
    appendFileSync(join(dir, file!), '{"request_id":"torn');
    // No close(): the process was killed.
    const next = createDiskSpool(dir, 100, silentLogger);
    const recovered = next.recover();
    expect(recovered.map((record) => record.request_id)).toEqual(batch.map((record) => record.request_id));
    next.ack(recovered);
    expect(readdirSync(dir)).toEqual([]);
  });
});
