import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, TELEMETRY_FIELDS, type TelemetryRecord, type TelemetrySink } from '@llm-gateway/spec';
import { sampleRecords, sinkConformance } from '@llm-gateway/testkit';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import plugin, { neutralise, restore } from './index.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sink-csv-'));
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

async function readAll(sink: TelemetrySink): Promise<TelemetryRecord[]> {
  const out: TelemetryRecord[] = [];
  for (const unit of await sink.spooled!()) for await (const batch of unit.batches(1000)) out.push(...batch);
  return out;
}

sinkConformance({
  plugin,
  config: async () => ({ dir: join(await tempDir(), 'nested', 'logs') }),
  idempotent: false,
  invalidConfigs: [42, { dir: 'x', unknown: true }, { dir: 7 }],
  readBack: readAll,
});

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('sink-csv files', () => {
  it('writes one file a day with its header once, every field a column and event as JSON', async () => {
    const dir = await tempDir();
    const sink = await create(dir);
    const [first, second] = sampleRecords(2, 'day');
    await sink.write([first!]);
    await sink.write([{ ...second!, timestamp: '2026-01-03T00:00:01.000Z' }]);
    await sink.write([{ ...first!, request_id: 'again' }]);
    expect((await readdir(dir)).sort()).toEqual(['telemetry_2026-01-02.csv', 'telemetry_2026-01-03.csv']);
    const text = await readFile(join(dir, 'telemetry_2026-01-02.csv'), 'utf8');
    const rows = parse(text) as string[][];
    expect(rows).toHaveLength(3);
    expect(rows[0]![0]).toBe('request_id');
    expect(rows.filter((row) => row[0] === 'request_id')).toHaveLength(1);
    const [header, row] = rows as [string[], string[]];
    expect(JSON.parse(row[header.indexOf('event')]!)).toEqual(first!.event);
    await sink.close();
  });

  it('neutralises cells a spreadsheet would run as formulas, and reads them back unchanged', async () => {
    const dir = await tempDir();
    const sink = await create(dir);
    const [record] = sampleRecords(1, 'formula');
    await sink.write([{ ...record!, principal_id: '=cmd|"/c calc"!A1', model: "'=already" }]);
    const [row] = parse(await readFile(join(dir, 'telemetry_2026-01-02.csv'), 'utf8'), {
      columns: true,
    }) as Record<string, string>[];
    expect(row!.principal_id).toBe('\'=cmd|"/c calc"!A1');
    expect(row!.target_service).toBe("'+backend");
    expect(row!.error_type).toBe("'-rate_limited");
    expect(row!.model).toBe("''=already");
    const [back] = await readAll(sink);
    expect(back).toMatchObject({ principal_id: '=cmd|"/c calc"!A1', model: "'=already" });
    for (const text of ['=1', '+1', '-1', '@x', '\tx', "'=x", "''+y", 'plain', "'quoted"])
      expect(restore(neutralise(text))).toBe(text);
  });

  it('skips a line cut off by a crash when reading back', async () => {
    const dir = await tempDir();
    const sink = await create(dir);
    await sink.write(sampleRecords(3, 'cut'));
    const file = join(dir, 'telemetry_2026-01-02.csv');
    await writeFile(file, `${await readFile(file, 'utf8')}"half-written,ro`, { flag: 'w' });
    expect(await readAll(sink)).toHaveLength(3);
  });

  it('replays rows appended after an upgrade to a file whose header lacks the newest field', async () => {
    const dir = await tempDir();
    const file = join(dir, 'telemetry_2026-01-02.csv');
    const [record] = sampleRecords(1, 'upgrade');
    // The day's file began under a gateway whose records had no gateway_overhead_ms column (nor the later ones).
    await writeFile(
      file,
      `${TELEMETRY_FIELDS.slice(0, TELEMETRY_FIELDS.indexOf('gateway_overhead_ms')).join(',')}\n`,
    );
    const sink = await create(dir);
    await sink.write([record!]);
    const { gateway_overhead_ms: _dropped, principal_key: _newer, ...kept } = record!;
    expect(await readAll(sink)).toEqual([kept]);
  });

  it('reports itself unhealthy and refuses a batch when its directory cannot be made', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'file'), 'not a directory');
    const sink = await create(join(dir, 'file', 'logs'));
    expect(await sink.healthy!()).toBe(false);
    await expect(sink.write(sampleRecords(1, 'fail'))).rejects.toThrow();
  });
});
