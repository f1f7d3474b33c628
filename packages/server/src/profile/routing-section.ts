import { z } from 'zod';
import { envNumber, optionalString } from './coerce.js';

const routeTarget = z.strictObject({
  backend: z.string().min(1),
  model: z.string().min(1).optional(),
  /** Share among targets of equal priority. */
  weight: envNumber(z.number().nonnegative().optional()),
  /** Lower is tried first; equal priorities share load by weight. */
  priority: envNumber(z.number().int().optional()),
});

const routePlan = z.strictObject({
  strategy: z.enum(['fallback', 'loadbalance']),
  targets: z.array(routeTarget).min(1),
});

export const routeEntry = z.union([z.string().min(1), routePlan, routeTarget, z.array(routeTarget).min(1)], {
  error:
    'Expected a backend name, { backend, model?, weight?, priority? }, a non-empty list of those, ' +
    'or { strategy: fallback|loadbalance, targets: [...] }',
});

export const routingSection = z
  .strictObject({
    defaultModel: optionalString(),
    models: z.record(z.string().min(1), routeEntry).default({}),
  })
  .prefault({});

export type RouteEntryConfig = z.output<typeof routeEntry>;

/** The targets of a routing entry, for validation. */
export function entryTargets(entry: RouteEntryConfig): { backend: string }[] {
  if (typeof entry === 'string') return [{ backend: entry }];
  if (Array.isArray(entry)) return entry;
  return 'targets' in entry ? entry.targets : [entry];
}
