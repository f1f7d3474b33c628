// What every bench script starts with: settings from the environment and a time budget that stops
// what it started and exits, so a stuck run never hangs a machine.

/** The number in `process.env[name]`, else `fallback` (also for 0, empty or not a number). */
export const envNumber = (name, fallback) => Number(process.env[name]) || fallback;

/**
 * After `ms`, prints that `name` is over its time budget, runs every function of `stops` (the list
 * is read then, so push to it afterwards) and exits with 2. Unref'd: a run that ends is not held.
 */
export function giveUpAfter(name, stops, ms) {
  setTimeout(() => {
    console.error(`${name}: over its time budget, giving up`);
    void Promise.allSettled(stops.map((stop) => stop())).finally(() => process.exit(2));
  }, ms).unref();
}

/**
 * A helper process of the bench (simulators, bare proxy): runs `stop` on SIGTERM or SIGINT or when its
 * stdin closes (the bench that started it is gone), then prints `ready` as its one JSON line.
 */
export function serveUntilStopped(stop, ready) {
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

/**
 * Runs a bench's `main`, prints a failure as `<name> failed: <stack>`, always stops what it started
 * (`stops`, last registered stopped last) and exits with 1 after a failure, else 0.
 */
export async function runBench(name, main, stops) {
  try {
    await main();
  } catch (error) {
    console.error(
      `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  } finally {
    for (const stop of stops) await stop().catch(() => {});
  }
  process.exit(process.exitCode ?? 0);
}
