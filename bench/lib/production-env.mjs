// The environment bench/profile-production.yaml reads: simulators, keys, MongoDB and the CSV fallback,
// and what a bench needs to run production gateways: the simulators, a FerretDB, a scratch directory.
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMongo } from '@llm-gateway/testkit';
import { startGateway, startUpstreams } from './processes.mjs';

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

/**
 * Starts the simulators, a FerretDB (database `dbName`) and a scratch directory, each with its stop
 * pushed to `stops`. Returns them with the keys, for `startProductionGateway`.
 */
export async function startProductionBase({ name, runId, stops, upstreamKey, clientKey }) {
  const upstreams = await startUpstreams();
  stops.push(() => upstreams.stop());
  const mongo = await startMongo({ dbName: `bench_${name}_${runId}` });
  stops.push(() => mongo.stop());
  const scratch = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  stops.push(async () => rmSync(scratch, { recursive: true, force: true }));
  return { upstreams, mongo, scratch, upstreamKey, clientKey, stops };
}

/**
 * Starts one gateway on `profile` with the base's environment plus `env`, its output appended to
 * `log` (default: `<scratch>/<name>.log`), its stop put first in the base's stops. `options` go to
 * startGateway (cpus, cli, cpuProfile, timeoutMs, ...).
 */
export async function startProductionGateway(base, { name, profile, env = {}, log, ...options }) {
  const { upstreams, mongo, scratch, upstreamKey, clientKey, stops } = base;
  const out = openSync(log ?? join(scratch, `${name}.log`), 'a');
  try {
    const gateway = await startGateway({
      profile,
      env: {
        ...productionEnv({ upstreams, upstreamKey, clientKey, mongo, csvDir: join(scratch, `${name}-csv`) }),
        ...env,
      },
      stdout: out,
      ...options,
    });
    stops.unshift(() => gateway.stop());
    return gateway;
  } finally {
    closeSync(out);
  }
}
