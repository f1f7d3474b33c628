import { it } from 'vitest';

/**
 * Registers `run` as a test, or as skipped with the reason printed when the plugin under test declares the
 * capability `needs` lacking (`capabilities[needs] === false`; absent means it has it). `kind` names the plugin
 * kind in the reason (`sink`, `surface`).
 */
export function checkNeeding<Capabilities extends object>(
  kind: string,
  capabilities: Capabilities | undefined,
  needs: keyof Capabilities & string,
  title: string,
  run: () => Promise<void>,
): void {
  if (capabilities?.[needs] !== false) {
    it(title, run);
    return;
  }
  const reason = `the ${kind} declares capabilities.${needs}: false`;
  console.info(`${kind} conformance: skipped "${title}": ${reason}`);
  it.skip(`${title} (skipped: ${reason})`, () => {});
}
