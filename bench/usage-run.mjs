// `node bench/usage-run.mjs`: the usage API's aggregation (sink-mongo usage()) on BENCH_USAGE_RECORDS
// synthetic records over BENCH_USAGE_DAYS days, stored through the sink (records and hourly rollups) in time
// order. FerretDB from testkit by default; BENCH_MONGO_URL measures a real MongoDB. BENCH_USAGE_RAW=1 also
// times queries only the raw records can answer (minutes per query on FerretDB past 10 000 records).
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import plugin from '@llm-gateway/sink-mongo';
import { startMongo } from '@llm-gateway/testkit';

const records = Number(process.env.BENCH_USAGE_RECORDS) || 100_000;
const days = Number(process.env.BENCH_USAGE_DAYS) || 30;
const raw = process.env.BENCH_USAGE_RAW === '1';
const repeats = Number(process.env.BENCH_USAGE_REPEATS) || 3;
const batchSize = 5000;
const DAY = 86_400_000;
const end = Date.UTC(2026, 10, 1);
setTimeout(() => {
  console.error('bench usage: over its time budget, giving up');
  process.exit(2);
}, 3_600_000).unref();

// Deterministic pseudo-random numbers, so every run stores the same records.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const projects = Array.from({ length: 10 }, (_, i) => `project-${i}`);
const principals = Array.from({ length: 200 }, (_, i) => `soeid${String(i).padStart(4, '0')}`);
const models = ['gpt-4o-mini', 'gpt-4o', 'deepseek-chat', 'llama3'];
const backends = ['openai', 'deepseek', 'ollama'];
const surfaces = ['openai', 'dgen-ping', 'dsp'];

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

const mongo = process.env.BENCH_MONGO_URL
  ? { url: process.env.BENCH_MONGO_URL, dbName: 'bench_usage', stop: async () => {} }
  : await startMongo({ dbName: 'bench_usage' });
const sink = await plugin.create(
  plugin.configSchema.parse({
    uri: mongo.url,
    db: mongo.dbName,
    collection: 'telemetry',
    timeoutMs: 600_000,
  }),
  { instanceName: 'bench', log: console },
);
try {
  const settle = { from: new Date(end), to: new Date(end), filters: {}, groupBy: [] };
  const loadStart = performance.now();
  for (let n = 0; n < records; n += batchSize) {
    await sink.write(Array.from({ length: Math.min(batchSize, records - n) }, (_, i) => record(n + i)));
    if ((n / batchSize) % 10 === 9) {
      // Lets the sink's rollup queue catch up every 50 000 records, so it never passes its bound.
      await sink.usage(settle);
      console.log(`${n + batchSize} stored, ${((performance.now() - loadStart) / 1000).toFixed(0)} s`);
    }
  }
  const insertS = (performance.now() - loadStart) / 1000;
  // usage() first waits for the sink's queued rollups: this one, on an empty range, times that backlog.
  await sink.usage(settle);
  const loadS = (performance.now() - loadStart) / 1000;
  console.log(
    `inserted ${records} records in ${insertS.toFixed(1)} s, rolled up after ${loadS.toFixed(1)} s`,
  );

  const day = { from: new Date(end - DAY), to: new Date(end) };
  const week = { from: new Date(end - 7 * DAY), to: new Date(end) };
  // The dashboard's queries (whole hours: answered from the rollups), then what only the raw records answer.
  const queries = {
    'dashboard: last 24 h by project per hour': { ...day, filters: {}, groupBy: ['project'], bucket: 'hour' },
    'dashboard: last 24 h top principals': { ...day, filters: {}, groupBy: ['principal'] },
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
  // Written after each query, so a run stopped part way still records what it measured.
  const save = (rows) => {
    const out = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(out, { recursive: true });
    const store = process.env.BENCH_MONGO_URL ? 'mongodb' : 'ferretdb 1.24 (sqlite)';
    writeFileSync(
      `${out}usage-latest.json`,
      `${JSON.stringify({ store, records, days, insertS, loadS, results: rows }, null, 2)}\n`,
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
    results.push(row);
    save(results);
    console.log(
      `${name}: ${row.median_ms} ms (median of ${repeats}, ${row.source}), ${row.rows} rows, ${row.requests} requests`,
    );
  }
} finally {
  await sink.close();
  await mongo.stop();
}
