// Gateways measured in turns: one fixed-size load per gateway per round (order reversed every other
// round), so a burst of noise on a shared machine hits all of them; CPU time per request from /proc around each load, medians over rounds.

/** The middle value (upper middle for an even count) of a list of numbers. */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs `rounds` rounds; in each, `load(gateway, requests)` (a jsonLoad result) on every gateway of
 * `gateways` ({ name: gateway }), in order then in reverse. Returns { name: [row per round] }, each row the latency
 * figures plus `cpuMsPerRequest` and `bad`; `label` prefixes the progress lines.
 */
export async function alternateRounds({ gateways, rounds, requests, load, label = '' }) {
  const rows = Object.fromEntries(Object.keys(gateways).map((name) => [name, []]));
  const width = Math.max(...Object.keys(gateways).map((name) => name.length));
  for (let round = 0; round < rounds; round++) {
    // Every other round in reverse order: going first or second in a round then favours no gateway.
    const order = round % 2 ? Object.entries(gateways).reverse() : Object.entries(gateways);
    for (const [name, gateway] of order) {
      const cpuBefore = gateway.cpuSeconds();
      const result = await load(gateway, requests);
      const cpuMs = ((gateway.cpuSeconds() - cpuBefore) * 1000) / requests;
      rows[name].push({ ...result.latencyMs, cpuMsPerRequest: cpuMs, bad: result.bad });
      console.log(
        `${label}round ${round + 1} ${name.padEnd(width)} p50 ${result.latencyMs.p50} ms  p99 ${result.latencyMs.p99} ms  ` +
          `mean ${result.latencyMs.mean} ms  CPU ${cpuMs.toFixed(3)} ms/request  failed ${result.bad}`,
      );
    }
  }
  return rows;
}

/** Per gateway: medians over rounds of p50, p99, mean and CPU per request, and the failed total. */
export function summarizeRounds(rows) {
  return Object.fromEntries(
    Object.entries(rows).map(([name, list]) => [
      name,
      {
        p50: median(list.map((row) => row.p50)),
        p99: median(list.map((row) => row.p99)),
        mean: median(list.map((row) => row.mean)),
        cpuMsPerRequest: median(list.map((row) => row.cpuMsPerRequest)),
        failed: list.reduce((sum, row) => sum + row.bad, 0),
      },
    ]),
  );
}

/** The median over rounds of `rows[name]`'s CPU per request against `rows[base]`'s in the same round. */
export function perRoundCpuRatio(rows, name, base) {
  return median(rows[name].map((row, i) => row.cpuMsPerRequest / rows[base][i].cpuMsPerRequest));
}
