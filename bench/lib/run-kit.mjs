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
