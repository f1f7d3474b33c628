import { z } from 'zod';
import { envNumber, optionalString } from './coerce.js';

const routeTarget = z.strictObject({
  backend: z.string().min(1),
  model: z.string().min(1).optional(),
  weight: envNumber(z.number().positive().optional()),
});

export const routeEntry = z.union([z.string().min(1), routeTarget, z.array(routeTarget).min(1)], {
  error: 'Expected a backend name, { backend, model?, weight? } or a non-empty list of those',
});

export const routingSection = z
  .strictObject({
    defaultModel: optionalString(),
    models: z.record(z.string().min(1), routeEntry).default({}),
  })
  .prefault({});
