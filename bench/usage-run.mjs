// `node bench/usage-run.mjs`: the usage API's aggregation (sink-mongo usage()) on BENCH_USAGE_RECORDS
// synthetic records over BENCH_USAGE_DAYS days, stored through the sink (records and hourly rollups) in time
// order. FerretDB from testkit by default; BENCH_MONGO_URL measures a real MongoDB. BENCH_USAGE_RAW=1 also
// times queries only the raw records can answer (minutes per query on FerretDB past 10 000 records).
// BENCH_USAGE_SEED=rollups: 1 000 000 records (default) folded in memory into rollup documents by the sink's own
// rollupWrites and bulk-inserted; the raw records are NOT stored, so only the rollup path is measured.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import plugin, { markRollupStart, rollupWrites } from '@llm-gateway/sink-mongo';
import { startMongo } from '@llm-gateway/testkit';
import { MongoClient } from 'mongodb';

const seeded = process.env.BENCH_USAGE_SEED === 'rollups';
const records = Number(process.env.BENCH_USAGE_RECORDS) || (seeded ? 1_000_000 : 100_000);
const days = Number(process.env.BENCH_USAGE_DAYS) || 30;
const raw = process.env.BENCH_USAGE_RAW === '1' && !seeded;
const repeats = Number(process.env.BENCH_USAGE_REPEATS) || 3;
const batchSize = 5000;
const DAY = 86_400_000;
const end = Date.UTC(2026, 10, 1);
const dbName = seeded ? 'bench_usage_rollups' : 'bench_usage';
setTimeout(
  () => {
    console.error('bench usage: over its time budget, giving up');
    process.exit(2);
  },
  seeded ? 600_000 : 3_600_000,
).unref();

// Deterministic pseudo-random numbers, so every run stores the same records.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = (list) => list[Math.floor(random() * list.length)];
// The seeded run spreads over more key values (a fuller rollup per hour); the stored runs keep their recorded set.
const projects = Array.from({ length: seeded ? 20 : 10 }, (_, i) => `project-${i}`);
const principals = Array.from({ length: 200 }, (_, i) => `soeid${String(i).padStart(4, '0')}`);
const models = [
  'gpt-4o-mini',
  'gpt-4o',
  'deepseek-chat',
  'llama3',
  ...(seeded ? ['claude-3-5', 'mistral'] : []),
];
const backends = ['openai', 'deepseek', 'ollama', ...(seeded ? ['anthropic'] : [])];
const surfaces = ['openai', 'dgen-ping', 'dsp', ...(seeded ? ['anthropic'] : [])];

function record(n) {
  const llm = 50 + random() ** 3 * 4000;
  const error = random() < 0.02 ? pick(['rate_limited', 'upstream_error', 'timeout']) : undefined;
  const prompt = Math.floor(random() * 800);
  const completion = Math.floor(random() * 400);
  return {
    request_id: `bench-${n}`,
    // In time order, as a gateway sends them: each batch covers a few hours.
    timestamp: new Date(end - days * DAY + ((n + random()) / records) * days * DAY).toISOString(),
    surface: pick(surfaces),
    endpoint: 'chat.completions',
    method: 'POST',
    status_code: error ? 502 : 200,
    principal_id: pick(principals),
    principal_kind: 'jwt',
    project_name: pick(projects),
    target_service: pick(backends),
    model: pick(models),
    latency_ms: llm + 1 + random() * 20,
    llm_latency_ms: llm,
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    cache_hit: random() < 0.1,
    ...(error ? { error_type: error } : {}),
  };
}

const collection = 'telemetry';
const mongo = process.env.BENCH_MONGO_URL
  ? { url: process.env.BENCH_MONGO_URL, dbName, stop: async () => {} }
  : await startMongo({ dbName });

/** An upsert from rollupWrites as the document it creates in an empty collection ($inc on nothing sets). */
function createdDocument({ updateOne: { filter, update } }) {
  const doc = { _id: filter._id, ...update.$setOnInsert };
  for (const [path, n] of Object.entries(update.$inc)) {
    const [field, sub] = path.split('.');
    if (sub === undefined) doc[field] = n;
    else doc[field] = { ...doc[field], [sub]: n };
  }
  return doc;
}

/**
 * The seeded run's store: the rollup documents the sink would hold for `records` records, inserted in bulk,
 * and the sink's completeness mark. The raw records are generated and summed but never stored.
 */
async function seedRollups() {
  const client = new MongoClient(mongo.url);
  const db = client.db(mongo.dbName);
  const totals = {
    requests: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cache_hits: 0,
    errors: 0,
  };
  const names = new Set();
  let documents = 0;
  let insertMs = 0;
  // A UTC day at a time: each rollup document (grain, hour, key value) then comes from one rollupWrites call.
  const flush = async (dayRecords) => {
    for (const [name, operations] of rollupWrites(collection, dayRecords)) {
      names.add(name);
      const docs = operations.map(createdDocument);
      const start = performance.now();
      for (let i = 0; i < docs.length; i += 2000) {
        await db.collection(name).insertMany(docs.slice(i, i + 2000), { ordered: false });
      }
      insertMs += performance.now() - start;
      documents += docs.length;
    }
  };
  try {
    await db.dropDatabase();
    // The sink's own mark: on an empty store the rollups hold every hour.
    await markRollupStart(db, collection);
    let dayRecords = [];
    for (let n = 0; n < records; n += 1) {
      const r = record(n);
      totals.requests += 1;
      totals.prompt_tokens += r.prompt_tokens;
      totals.completion_tokens += r.completion_tokens;
      totals.total_tokens += r.total_tokens;
      if (r.cache_hit) totals.cache_hits += 1;
      if (r.error_type) totals.errors += 1;
      if (dayRecords.length > 0 && r.timestamp.slice(0, 10) !== dayRecords[0].timestamp.slice(0, 10)) {
        await flush(dayRecords);
        dayRecords = [];
        console.log(`${n} records folded, ${documents} rollup documents inserted`);
      }
      dayRecords.push(r);
    }
    await flush(dayRecords);
    // The indexes writeRollups creates on each rollup collection.
    for (const name of names) {
      await db.collection(name).createIndexes([
        { key: { hour: 1 }, name: 'hour' },
        { key: { key: 1, hour: 1 }, name: 'key_hour' },
      ]);
    }
  } finally {
    await client.close();
  }
  return { totals, documents, collections: names.size, insertS: insertMs / 1000 };
}

const loadStart = performance.now();
const seeding = seeded ? await seedRollups() : undefined;
const sink = await plugin.create(
  plugin.configSchema.parse({
    uri: mongo.url,
    db: mongo.dbName,
    collection,
    timeoutMs: 600_000,
  }),
  { instanceName: 'bench', log: console },
);
try {
  const settle = { from: new Date(end), to: new Date(end), filters: {}, groupBy: [] };
  let insertS;
  if (seeding) {
    insertS = seeding.insertS;
    console.log(
      `${records} records generated in memory and folded by sink-mongo's rollupWrites into ${seeding.documents} rollup ` +
        `documents (${seeding.collections} collections), inserted in ${insertS.toFixed(1)} s. The raw records are NOT ` +
        'stored: this run measures the rollup path only; the raw path at a million records needs a real MongoDB.',
    );
  } else {
    for (let n = 0; n < records; n += batchSize) {
      await sink.write(Array.from({ length: Math.min(batchSize, records - n) }, (_, i) => record(n + i)));
      if ((n / batchSize) % 10 === 9) {
        // Lets the sink's rollup queue catch up every 50 000 records, so it never passes its bound.
        await sink.usage(settle);
        console.log(`${n + batchSize} stored, ${((performance.now() - loadStart) / 1000).toFixed(0)} s`);
      }
    }
    insertS = (performance.now() - loadStart) / 1000;
  }
  // usage() first waits for the sink's queued rollups: this one, on an empty range, times that backlog.
  await sink.usage(settle);
  const loadS = (performance.now() - loadStart) / 1000;
  console.log(
    seeding
      ? `store ready after ${loadS.toFixed(1)} s (records generated and folded, rollups inserted and indexed)`
      : `inserted ${records} records in ${insertS.toFixed(1)} s, rolled up after ${loadS.toFixed(1)} s`,
  );

  const day = { from: new Date(end - DAY), to: new Date(end) };
  const week = { from: new Date(end - 7 * DAY), to: new Date(end) };
  const all = { from: new Date(end - days * DAY), to: new Date(end) };
  const dashboard = {
    'dashboard: last 24 h by project per hour': { ...day, filters: {}, groupBy: ['project'], bucket: 'hour' },
    'dashboard: last 24 h top principals': { ...day, filters: {}, groupBy: ['principal'] },
  };
  // The dashboard's queries (whole hours: answered from the rollups), then what only the raw records answer.
  const queries = seeding
    ? {
        ...dashboard,
        'last 7 days by day': { ...week, filters: {}, groupBy: [], bucket: 'day' },
        [`totals, ${days} days`]: { ...all, filters: {}, groupBy: [] },
      }
    : {
        ...dashboard,
        'dashboard: last 24 h per hour': { ...day, filters: {}, groupBy: [], bucket: 'hour' },
        'totals, all records': { filters: {}, groupBy: [] },
        'by project per day, all days': { filters: {}, groupBy: ['project'], bucket: 'day' },
        'one project per hour, 7 days': {
          ...week,
          filters: { project: 'project-3' },
          groupBy: [],
          bucket: 'hour',
        },
        'by principal, all days': { filters: {}, groupBy: ['principal'] },
        ...(raw
          ? {
              'raw: one principal by model, 7 days': {
                ...week,
                filters: { principal: 'soeid0007' },
                groupBy: ['model'],
              },
              'raw: last 24 h from a minute past the hour': {
                from: new Date(end - DAY + 60_000),
                to: new Date(end),
                filters: {},
                groupBy: ['project'],
              },
            }
          : {}),
      };
  const results = [];
  const failures = [];
  // Written after each query, so a run stopped part way still records what it measured.
  const save = (rows) => {
    const out = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(out, { recursive: true });
    const store = process.env.BENCH_MONGO_URL ? 'mongodb' : 'ferretdb 1.24 (sqlite)';
    const file = seeding ? 'usage-rollups-latest.json' : 'usage-latest.json';
    const seedInfo = seeding
      ? {
          seeded: 'rollup documents only (rollupWrites of in-memory records); raw records not stored',
          rollup_documents: seeding.documents,
          collections: seeding.collections,
          generated: seeding.totals,
        }
      : {};
    writeFileSync(
      `${out}${file}`,
      `${JSON.stringify({ store, records, days, ...seedInfo, insertS, loadS, results: rows, failures }, null, 2)}\n`,
    );
  };
  for (const [name, query] of Object.entries(queries)) {
    const times = [];
    let report;
    for (let i = 0; i < repeats; i += 1) {
      const start = performance.now();
      report = await sink.usage(query);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const row = {
      query: name,
      source: report.source,
      median_ms: Math.round(times[Math.floor(times.length / 2)]),
      rows: report.rows.length,
      requests: report.totals.requests,
    };
    if (seeding && row.source !== 'rollup') failures.push(`${name}: source ${row.source}, not rollup`);
    if (seeding && query === queries[`totals, ${days} days`]) {
      // Every generated record is in range: the rollups must sum to exactly what was generated.
      const t = report.totals;
      const got = {
        requests: t.requests,
        prompt_tokens: t.prompt_tokens,
        completion_tokens: t.completion_tokens,
        total_tokens: t.total_tokens,
        cache_hits: t.cache_hits,
        errors: Object.values(t.errors).reduce((a, b) => a + b, 0),
      };
      const wrong = Object.entries(seeding.totals).filter(([field, want]) => got[field] !== want);
      for (const [field, want] of wrong) failures.push(`${name}: ${field} ${got[field]}, generated ${want}`);
      row.totals_match = wrong.length === 0;
    }
    results.push(row);
    save(results);
    console.log(
      `${name}: ${row.median_ms} ms (median of ${repeats}, ${row.source}), ${row.rows} rows, ${row.requests} requests`,
    );
  }
  if (failures.length > 0) {
    console.error(`bench usage: FAILED\n${failures.join('\n')}`);
    process.exitCode = 1;
  } else if (seeding) {
    console.log(
      `every answer from the rollups; totals equal the generated data's: ${JSON.stringify(seeding.totals)}`,
    );
  }
} finally {
  await sink.close();
  await mongo.stop();
}
