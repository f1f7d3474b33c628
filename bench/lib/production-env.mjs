// The environment bench/profile-production.yaml reads: simulators, keys, MongoDB and the CSV fallback.

/** `upstreams` from startUpstreams, `mongo` from testkit's startMongo; the log level stays the caller's. */
export const productionEnv = ({ upstreams, upstreamKey, clientKey, mongo, csvDir }) => ({
  BENCH_UPSTREAM_URL: upstreams.fast,
  BENCH_SLOW_UPSTREAM_URL: upstreams.slow,
  BENCH_UPSTREAM_KEY: upstreamKey,
  BENCH_API_KEY: clientKey,
  BENCH_MONGO_URI: mongo.url,
  BENCH_MONGO_DB: mongo.dbName,
  BENCH_CSV_DIR: csvDir,
});
