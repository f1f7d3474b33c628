// `node bench/usage-run.mjs`: the usage API's aggregation (sink-mongo usage()) on BENCH_USAGE_RECORDS
// synthetic records over 30 days. FerretDB from testkit by default; BENCH_MONGO_URL measures a real MongoDB.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import plugin from '@llm-gateway/sink-mongo';
import { startMongo } from '@llm-gateway/testkit';

const records = Number(process.env.BENCH_USAGE_RECORDS) || 100_000;
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
    timestamp: new Date(end - random() * 30 * DAY).toISOString(),
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
  const loadStart = performance.now();
  for (let n = 0; n < records; n += batchSize) {
    await sink.write(Array.from({ length: Math.min(batchSize, records - n) }, (_, i) => record(n + i)));
  }
  const loadS = (performance.now() - loadStart) / 1000;
  console.log(`loaded ${records} records in ${loadS.toFixed(1)} s`);

  const week = { from: new Date(end - 7 * DAY), to: new Date(end) };
  const queries = {
    'totals, all records': { filters: {}, groupBy: [] },
    'by project per day, 30 days': { filters: {}, groupBy: ['project'], bucket: 'day' },
    'by principal, 30 days (top principals)': { filters: {}, groupBy: ['principal'] },
    'one project per hour, 7 days': {
      ...week,
      filters: { project: 'project-3' },
      groupBy: [],
      bucket: 'hour',
    },
    'one principal by model, 7 days': { ...week, filters: { principal: 'soeid0007' }, groupBy: ['model'] },
  };
  const results = [];
  // Written after each query, so a run stopped part way still records what it measured.
  const save = (rows) => {
    const out = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(out, { recursive: true });
    const store = process.env.BENCH_MONGO_URL ? 'mongodb' : 'ferretdb 1.24 (sqlite)';
    writeFileSync(
      `${out}usage-latest.json`,
      `${JSON.stringify({ store, records, loadS, results: rows }, null, 2)}\n`,
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
      median_ms: Math.round(times[Math.floor(times.length / 2)]),
      rows: report.rows.length,
      requests: report.totals.requests,
    };
    results.push(row);
    save(results);
    console.log(
      `${name}: ${row.median_ms} ms (median of ${repeats}), ${row.rows} rows, ${row.requests} requests`,
    );
  }
} finally {
  await sink.close();
  await mongo.stop();
}
