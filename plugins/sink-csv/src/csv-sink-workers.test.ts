import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type TelemetrySink } from '@llm-gateway/spec';
import { sampleRecords } from '@llm-gateway/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import plugin from './index.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function create(dir: string, worker?: number): Promise<TelemetrySink> {
  const sink = await plugin.create(plugin.configSchema.parse({ dir }), {
    instanceName: 'csv',
    log: silentLogger,
    ...(worker === undefined ? {} : { worker }),
  });
  if ('disabled' in sink) throw new Error('disabled');
  return sink;
}

const names = async (sink: TelemetrySink) =>
  (await sink.spooled!()).map((unit) => unit.name.split('/').at(-1)).sort();

describe('sink-csv under server.workers', () => {
  it('each worker appends to its own day file and replays only its own (never a file another worker writes)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sink-csv-workers-'));
    dirs.push(dir);
    const [record] = sampleRecords(1);
    const day = record!.timestamp.slice(0, 10);
    const lone = await create(dir);
    const one = await create(dir, 1);
    const two = await create(dir, 2);
    await lone.write([record!]);
    await one.write([record!]);
    await two.write([record!]);
    expect((await readdir(dir)).sort()).toEqual([
      `telemetry_${day}.csv`,
      `telemetry_${day}.w1.csv`,
      `telemetry_${day}.w2.csv`,
    ]);
    // Worker 1 also takes over what a lone gateway left; a lone gateway (or `telemetry replay`) takes all.
    expect(await names(one)).toEqual([`telemetry_${day}.csv`, `telemetry_${day}.w1.csv`]);
    expect(await names(two)).toEqual([`telemetry_${day}.w2.csv`]);
    expect(await names(lone)).toHaveLength(3);
  });
});
