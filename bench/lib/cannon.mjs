// autocannon runs: one timed run against a target, and several runs of one scenario merged into one.
import autocannon from 'autocannon';

/**
 * One autocannon run of `durationS` seconds at `connections`. `target`: { url, headers, body } where a
 * function body gives each request its own; `target.gateway` (if any) is sampled for its CPU time.
 * `loadCpuS` is this process's (the load generator's) own CPU time during the run.
 */
export async function cannon(title, target, { durationS, connections }) {
  process.stdout.write(`  ${title} (${durationS} s, ${connections} connections) ... `);
  const cpuBefore = target.gateway?.cpuSeconds();
  const loadBefore = process.cpuUsage();
  const body = target.body;
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: target.headers,
    // A function gives each request its own body (autocannon rebuilds the request every time).
    ...(typeof body === 'function'
      ? {
          requests: [
            {
              setupRequest: (request) => {
                request.body = body();
                return request;
              },
            },
          ],
        }
      : { body }),
    connections,
    duration: durationS,
    pipelining: 1,
    timeout: 30,
  });
  const load = process.cpuUsage(loadBefore);
  const cpuAfter = target.gateway?.cpuSeconds();
  const summary = {
    reqPerSec: result.requests.average,
    total: result.requests.total,
    durationS: result.duration,
    latencyMs: {
      mean: result.latency.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    loadCpuS: (load.user + load.system) / 1e6,
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { gatewayCpuS: cpuAfter - cpuBefore } : {}),
  };
  console.log(`${Math.round(summary.reqPerSec)} req/s`);
  return summary;
}

/** Several autocannon runs of one scenario as one: sums, request-weighted means and percentiles. */
export function merge(runs) {
  const total = runs.reduce((sum, r) => sum + r.total, 0);
  const seconds = runs.reduce((sum, r) => sum + r.durationS, 0);
  const weighted = (pick) => runs.reduce((sum, r) => sum + pick(r) * r.total, 0) / Math.max(1, total);
  const cpu = runs.every((r) => r.gatewayCpuS !== undefined)
    ? runs.reduce((sum, r) => sum + r.gatewayCpuS, 0)
    : undefined;
  const loadCpuS = runs.reduce((sum, r) => sum + r.loadCpuS, 0);
  return {
    reqPerSec: total / seconds,
    total,
    durationS: seconds,
    latencyMs: {
      mean: weighted((r) => r.latencyMs.mean),
      p50: weighted((r) => r.latencyMs.p50),
      p99: weighted((r) => r.latencyMs.p99),
      max: Math.max(...runs.map((r) => r.latencyMs.max)),
    },
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    timeouts: runs.reduce((sum, r) => sum + r.timeouts, 0),
    // The load generator's CPU time per second of load: 1 = one core busy.
    loadCpuCores: loadCpuS / seconds,
    ...(cpu === undefined ? {} : { gatewayCpuS: cpu, gatewayCpuUsPerRequest: (cpu * 1e6) / total }),
    rounds: runs.map((r) => ({
      reqPerSec: r.reqPerSec,
      meanMs: r.latencyMs.mean,
      p50: r.latencyMs.p50,
      p99: r.latencyMs.p99,
      ...(r.gatewayCpuS === undefined ? {} : { gatewayCpuUsPerRequest: (r.gatewayCpuS * 1e6) / r.total }),
    })),
  };
}
