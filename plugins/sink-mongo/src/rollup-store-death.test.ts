import type { TelemetryRecord, TelemetrySink } from '@llm-gateway/spec';
import { type MongoInstance, startMongo } from '@llm-gateway/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { hourRecords, testSink } from './__fixtures__/test-sink.js';
import { pendingName } from './rollup-journal.js';

let mongo: MongoInstance | undefined;
let sink: TelemetrySink | undefined;
let client: MongoClient | undefined;

afterAll(async () => {
  await sink?.close();
  await client?.close();
  await mongo?.stop();
});

const HOUR = Date.UTC(2026, 0, 5, 10);
const wholeHour = { from: new Date(HOUR), to: new Date(HOUR + 3_600_000), filters: {}, groupBy: [] };

describe('rollups after MongoDB dies mid-write (23 of 29,979 records were once missing from them)', () => {
  it('count every stored record exactly once, once the failed batches are written again and the journal repaired', async () => {
    mongo = await startMongo();
    sink = await testSink(mongo, 'dying', { timeoutMs: 1000, rollupRepairMs: 100 });
    const records = hourRecords(2000, 'die', HOUR);
    const batches: TelemetryRecord[][] = [];
    for (let start = 0; start < records.length; start += 50) batches.push(records.slice(start, start + 50));

    // One write after another, as the telemetry buffer gives them; the server is killed while they run.
    const failed: TelemetryRecord[][] = [];
    for (const [index, batch] of batches.entries()) {
      if (index === 12) void mongo.kill();
      if (index === 20) await mongo.restart();
      await sink.write(batch).catch(() => failed.push(batch));
    }
    expect(failed.length).toBeGreaterThan(0);
    // What failed went to CSV in the gateway and is replayed into the store once it is back: the same records again.
    for (const batch of failed) {
      await vi.waitFor(() => sink!.write(batch), { timeout: 30_000, interval: 200 });
    }

    client = new MongoClient(mongo.url);
    const stored = await client.db(mongo.dbName).collection('dying').countDocuments();
    expect(stored).toBe(records.length);
    // The journal's repair adds what the failed writes stored without their rollups, each batch once.
    await vi.waitFor(
      async () =>
        expect(await client!.db(mongo!.dbName).collection(pendingName('dying')).countDocuments()).toBe(0),
      { timeout: 90_000, interval: 250 },
    );
    const usage = await sink.usage!(wholeHour);
    expect(usage.source).toBe('rollup');
    expect(usage.totals).toMatchObject({ requests: records.length, total_tokens: 7 * records.length });
    const byProject = await sink.usage!({ ...wholeHour, groupBy: ['project'] });
    expect(byProject.rows.map((row) => row.requests)).toEqual([records.length / 2, records.length / 2]);
  }, 240_000);
});
