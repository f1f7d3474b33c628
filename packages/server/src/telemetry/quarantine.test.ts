import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import csvSink from '@llm-gateway/sink-csv';
import mongoSink from '@llm-gateway/sink-mongo';
import { silentLogger, type TelemetrySink } from '@llm-gateway/spec';
import { type MongoInstance, sampleRecords, startMongo } from '@llm-gateway/testkit';
import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetrySection } from '../profile/telemetry-section.js';
import { createTelemetryService } from './telemetry-service.js';

let mongo: MongoInstance;
let dir: string;
beforeAll(async () => {
  mongo = await startMongo();
  dir = await mkdtemp(join(tmpdir(), 'quarantine-'));
}, 60_000);
afterAll(async () => {
  await mongo?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function sinks(csvDir: string): Promise<TelemetrySink[]> {
  const host = { instanceName: 'mongo', log: silentLogger };
  const mongoStore = await mongoSink.create(
    mongoSink.configSchema.parse({ uri: mongo.url, db: mongo.dbName, collection: 'live' }),
    host,
  );
  const csv = await csvSink.create(csvSink.configSchema.parse({ dir: csvDir }), {
    ...host,
    instanceName: 'csv',
  });
  if ('disabled' in mongoStore || 'disabled' in csv) throw new Error('disabled');
  return [mongoStore, csv];
}

describe('telemetry quarantine', () => {
  it('keeps a record the store refuses on disk and in /health, while the store keeps every other record (one $where key once sent all telemetry to CSV)', async () => {
    const csvDir = join(dir, 'csv');
    const quarantineDir = join(dir, 'quarantine');
    const registry = new Registry();
    const settings = telemetrySection.parse({
      batchSize: 10,
      flushIntervalMs: 50,
      quarantineDir,
      replay: false,
    });
    const service = createTelemetryService(settings, await sinks(csvDir), registry, silentLogger);
    const [poisoned] = sampleRecords(1, 'poison');
    const before = sampleRecords(5, 'before');
    const after = sampleRecords(5, 'after');
    for (const record of before) service.record(record);
    service.record({ ...poisoned!, event: { $where: 'sleep(1000)' } });
    service.record({ ...poisoned!, request_id: 'nul-key', event: { 'a\u0000b': 1 } });
    for (const record of after) service.record(record);
    await service.close();

    const status = service.status();
    expect(status).toMatchObject({
      store: 'mongo',
      failovers: 0,
      quarantined: 2,
      lost: 0,
      quarantine_dir: quarantineDir,
    });
    expect(status.sinks[0]).toMatchObject({ name: 'mongo', healthy: true, written: 10 });
    expect(await readdir(csvDir).catch(() => [])).toEqual([]);
    const client = new MongoClient(mongo.url);
    try {
      const ids = await client.db(mongo.dbName).collection('live').distinct('_id');
      expect(ids.sort()).toEqual([...before, ...after].map((record) => record.request_id).sort());
    } finally {
      await client.close();
    }
    const [name] = await readdir(quarantineDir);
    const lines = (await readFile(join(quarantineDir, name!), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.record.request_id).sort()).toEqual(['nul-key', poisoned!.request_id]);
    expect(await registry.metrics()).toContain('gateway_telemetry_quarantined_total{sink="mongo"} 2');
  });

  it('counts a refused record it cannot keep on disk as lost, in /health and metrics, never silently', async () => {
    const blocked = join(dir, 'a-file');
    await writeFile(blocked, 'not a directory');
    const registry = new Registry();
    const settings = telemetrySection.parse({
      batchSize: 10,
      flushIntervalMs: 50,
      quarantineDir: join(blocked, 'quarantine'),
      replay: false,
    });
    const service = createTelemetryService(
      settings,
      await sinks(join(dir, 'csv-lost')),
      registry,
      silentLogger,
    );
    const [good, bad] = sampleRecords(2, 'lost');
    service.record(good!);
    service.record({ ...bad!, event: { 'x.y': 1 } });
    await service.close();
    expect(service.status()).toMatchObject({ store: 'mongo', quarantined: 0, lost: 1 });
    expect(await registry.metrics()).toContain('gateway_telemetry_lost_total 1');
  });
});
