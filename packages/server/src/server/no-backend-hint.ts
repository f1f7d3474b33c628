import type { InstanceSummary } from '../plugins/create-instance.js';

/** `a`, `a or b`, `a, b or c`. */
function either(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/**
 * What to do when the profile configures backends but none is enabled (a first start without keys):
 * the variables that enable each one, from the plugins' own `missing` keys and the profile. Said in the
 * start-up warning and in every 503. Undefined while any backend is enabled.
 */
export function noBackendHint(instances: readonly InstanceSummary[]): string | undefined {
  const backends = instances.filter((instance) => instance.section === 'backends');
  if (backends.length === 0 || backends.some((instance) => instance.enabled)) return undefined;
  const settable = backends.filter((b) => b.enableWith).map((b) => `${b.enableWith} (${b.name})`);
  const others = backends.filter((b) => !b.enableWith).map((b) => `${b.name}: ${b.reason ?? 'disabled'}`);
  const parts: string[] = [];
  if (settable.length > 0) parts.push(`To enable one, set ${either(settable)} and restart the gateway.`);
  if (others.length > 0) parts.push(`Disabled: ${others.join('; ')}.`);
  parts.push('`pnpm demo` needs none of them: it runs the gateway against built-in upstream simulators.');
  return parts.join(' ');
}
