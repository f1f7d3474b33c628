import { createReadStream } from 'node:fs';
import { access, constants, mkdir, open, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type SpooledRecords,
  TELEMETRY_FIELDS,
  type TelemetryRecord,
  type TelemetrySink,
} from '@llm-gateway/spec';
import { parse } from 'csv-parse';
import Papa from 'papaparse';
import { fromRow, toRow } from './csv-cells.js';
import { endsWithNewline, wholeRowsLength } from './whole-rows.js';

const dailyFile = /^telemetry_(\d{4}-\d{2}-\d{2})(?:\.w(\d+))?\.csv$/;
const REPLAYED_DIR = 'replayed';

/** The day file a record belongs to, by its own timestamp (UTC); a cluster worker `w` has its own (`.w2`). */
export function fileNameFor(record: TelemetryRecord, worker?: number): string {
  const day = /^\d{4}-\d{2}-\d{2}/.exec(record.timestamp)?.[0] ?? new Date().toISOString().slice(0, 10);
  return worker === undefined ? `telemetry_${day}.csv` : `telemetry_${day}.w${worker}.csv`;
}

/**
 * Whether this process replays a day file: alone, every one; as worker w, its own and (worker 1) the
 * unsuffixed ones a lone gateway left, never a file another live worker appends to.
 */
function ownsFile(fileName: string, worker: number | undefined): boolean {
  const match = dailyFile.exec(fileName);
  if (!match) return false;
  if (worker === undefined) return true;
  return match[2] === undefined ? worker === 1 : Number(match[2]) === worker;
}

function byFile(batch: TelemetryRecord[], worker: number | undefined): Map<string, TelemetryRecord[]> {
  const groups = new Map<string, TelemetryRecord[]>();
  for (const record of batch) {
    const name = fileNameFor(record, worker);
    const group = groups.get(name);
    if (group) group.push(record);
    else groups.set(name, [record]);
  }
  return groups;
}

// Cells are neutralised by toRow already; Papa's own formula escaping would double it.
const unparseOptions = { newline: '\n', escapeFormulae: false } as const;

/**
 * Appends rows (and the header when the file is new), then fsyncs: only then has the batch been written.
 * All or nothing: a write that fails (a full disk) is cut back off, and a cut row a crash left is dropped first.
 */
async function append(path: string, records: TelemetryRecord[]): Promise<void> {
  const file = await open(path, 'a+');
  try {
    let { size } = await file.stat();
    if (!(await endsWithNewline(file, size))) {
      size = await wholeRowsLength(path, size);
      await file.truncate(size);
    }
    // papaparse: the same text as csv-stringify at about a third of the CPU (bench/README.md, telemetry run).
    const rows = records.map(toRow);
    const text = `${Papa.unparse(size === 0 ? { fields: [...TELEMETRY_FIELDS], data: rows } : rows, unparseOptions)}\n`;
    try {
      await file.writeFile(text);
      await file.sync();
    } catch (error) {
      await file.truncate(size).catch(() => {});
      throw error;
    }
  } finally {
    await file.close();
  }
}

async function* readBatches(path: string, size: number): AsyncGenerator<TelemetryRecord[]> {
  // A row cut off at the end (no final newline) is left out, even one whose last cell alone was cut.
  const { size: bytes } = await stat(path);
  const file = await open(path, 'r');
  const whole = await endsWithNewline(file, bytes).finally(() => file.close());
  const end = whole ? bytes : await wholeRowsLength(path, bytes);
  if (end === 0) return;
  // A malformed row is skipped rather than stopping the replay; a row with more columns than the
  // header (a field added since the file began, e.g. gateway_overhead_ms) is kept.
  const rows = createReadStream(path, { end: end - 1 }).pipe(
    parse({ columns: true, skip_records_with_error: true, relax_column_count_more: true }),
  );
  let batch: TelemetryRecord[] = [];
  for await (const row of rows as AsyncIterable<Record<string, string>>) {
    if (!row['request_id']) continue;
    batch.push(fromRow(row));
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

export function createCsvSink(dir: string, name: string, worker?: number): TelemetrySink {
  let queue: Promise<unknown> = Promise.resolve();
  // One append or move at a time, so a file is never moved aside while a batch goes into it.
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => {});
    return run;
  };

  const spooledFile = (fileName: string): SpooledRecords => ({
    name: join(dir, fileName),
    batches: (size) => readBatches(join(dir, fileName), size),
    done: () =>
      exclusive(async () => {
        await mkdir(join(dir, REPLAYED_DIR), { recursive: true });
        await rename(join(dir, fileName), join(dir, REPLAYED_DIR, `${Date.now()}-${fileName}`));
      }),
  });

  return {
    name,
    write: (batch) =>
      exclusive(async () => {
        if (batch.length === 0) return;
        await mkdir(dir, { recursive: true });
        for (const [fileName, records] of byFile(batch, worker)) await append(join(dir, fileName), records);
      }),
    async healthy() {
      try {
        await mkdir(dir, { recursive: true });
        await access(dir, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
    async spooled() {
      const names = await readdir(dir).catch(() => [] as string[]);
      return names
        .filter((fileName) => ownsFile(fileName, worker))
        .sort()
        .map(spooledFile);
    },
    close: () => exclusive(async () => {}),
  };
}
