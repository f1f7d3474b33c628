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
