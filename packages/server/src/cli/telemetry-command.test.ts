import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import csvSink from '@llm-gateway/sink-csv';
import { silentLogger } from '@llm-gateway/spec';
import { type MongoInstance, sampleRecords, startMongo } from '@llm-gateway/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from './__fixtures__/capture-io.js';
import { runCli } from './run-cli.js';

let mongo: MongoInstance;
let dir: string;
beforeAll(async () => {
  mongo = await startMongo();
  dir = await mkdtemp(join(tmpdir(), 'telemetry-replay-'));
}, 60_000);
afterAll(async () => {
  await mongo?.stop();
  await rm(dir, { recursive: true, force: true });
}, 30_000);

const profile = (uri: string, csvDir: string, quarantineDir = join(csvDir, 'quarantine')) => `
telemetry:
  quarantineDir: "${quarantineDir}"
  sinks:
    mongo: { plugin: sink-mongo, config: { uri: "${uri}", db: replay_db } }
    csv: { plugin: sink-csv, config: { dir: "${csvDir}" } }
`;

describe('gateway telemetry replay', () => {
  it('moves spooled CSV records into MongoDB once, prints the counts, and moves the file aside', async () => {
    const csvDir = join(dir, 'spool');
    const created = await csvSink.create(csvSink.configSchema.parse({ dir: csvDir }), {
      instanceName: 'csv',
      log: silentLogger,
    });
    if ('disabled' in created) throw new Error('disabled');
    const records = sampleRecords(12, 'cli');
    await created.write(records);
    const file = join(dir, 'profile.yaml');
    await writeFile(file, profile(mongo.url, csvDir));

    const first = captureIo();
    expect(await runCli(['telemetry', 'replay', '--profile', file], first.io)).toEqual({ exitCode: 0 });
    expect(first.out).toEqual([`replayed 12 records from 1 files into mongo`]);
    expect(await readdir(csvDir)).toEqual(['replayed']);

    const again = captureIo();
    expect(await runCli(['telemetry', 'replay', '--profile', file], again.io)).toEqual({ exitCode: 0 });
    expect(again.out).toEqual([`replayed 0 records from 0 files into mongo`]);

    const client = new MongoClient(mongo.url);
    try {
      const ids = await client.db('replay_db').collection('telemetry').distinct('_id');
      expect(ids.sort()).toEqual(records.map((record) => record.request_id).sort());
    } finally {
      await client.close();
    }
  });

  it('stores the good rows of a spool file with a poisoned row, quarantines that row and says so (the replay once failed on it forever)', async () => {
    const csvDir = join(dir, 'poisoned');
    const quarantineDir = join(dir, 'poisoned-quarantine');
    const created = await csvSink.create(csvSink.configSchema.parse({ dir: csvDir }), {
      instanceName: 'csv',
      log: silentLogger,
    });
    if ('disabled' in created) throw new Error('disabled');
    const records = sampleRecords(3, 'good-row');
    const [first] = sampleRecords(1, 'bad-row');
    await created.write([
      records[0]!,
      { ...first!, event: { $where: 'sleep(1)' } },
      records[1]!,
      records[2]!,
    ]);
    const file = join(dir, 'poisoned.yaml');
    await writeFile(file, profile(mongo.url, csvDir, quarantineDir));

    const replay = captureIo();
    expect(await runCli(['telemetry', 'replay', '--profile', file], replay.io)).toEqual({ exitCode: 0 });
    expect(replay.out).toEqual([
      'replayed 4 records from 1 files into mongo',
      `quarantined: 1 records the store refused, one JSON line each in ${quarantineDir} (fix them, then 'gateway telemetry replay-quarantine')`,
    ]);
    expect(await readdir(csvDir)).toEqual(['replayed']);
    const [name] = await readdir(quarantineDir);
    const [line, ...rest] = (await readFile(join(quarantineDir, name!), 'utf8')).trim().split('\n');
    expect(rest).toEqual([]);
    expect(JSON.parse(line!)).toMatchObject({
      sink: 'mongo',
      reason: expect.stringContaining('$where'),
      record: { request_id: first!.request_id, event: { $where: 'sleep(1)' } },
    });

    // Tried again, it is refused again and stays quarantined (in a new file); nothing else moves.
    const again = captureIo();
    expect(await runCli(['telemetry', 'replay-quarantine', '--profile', file], again.io)).toEqual({
      exitCode: 0,
    });
    expect(again.out[0]).toBe('replayed 1 quarantined records from 1 files into mongo');
    expect(again.out[1]).toMatch(/^quarantined: 1 records/);

    const client = new MongoClient(mongo.url);
    try {
      const ids = await client
        .db('replay_db')
        .collection('telemetry')
        .distinct('_id', { _id: /good-row/ });
      expect(ids.sort()).toEqual(records.map((record) => record.request_id).sort());
    } finally {
      await client.close();
    }
  });

  it('`gateway check` lists the sinks in order, a blank URI as switched off', async () => {
    const file = join(dir, 'check.yaml');
    await writeFile(file, profile('', join(dir, 'check')));
    const { io, out } = captureIo();
    expect(await runCli(['check', file], io)).toEqual({ exitCode: 0 });
    expect(out).toContain(
      'telemetry mongo (sink-mongo) disabled: no MongoDB URI configured; csv (sink-csv) enabled',
    );
  });

  it('fails with a clear message when no store is reachable', async () => {
    const file = join(dir, 'down.yaml');
    await writeFile(file, profile('mongodb://127.0.0.1:1/x?serverSelectionTimeoutMS=300', join(dir, 'down')));
    const { io, err } = captureIo();
    expect(await runCli(['telemetry', 'replay', '--profile', file], io)).toEqual({ exitCode: 1 });
    expect(err.join('\n')).toContain('no store (MongoDB sink) is configured and reachable');
  });
});
