import { z } from 'zod';
import { envBoolean } from './coerce.js';

export const docsSection = z
  .strictObject({
    enabled: envBoolean(z.boolean().default(true)),
    /** Swagger UI path; `/openapi.json` is served whenever docs are enabled. */
    path: z.string().startsWith('/').default('/docs'),
    /** ReDoc page path; its script is served beneath it, from the `redoc` package. */
    redocPath: z.string().startsWith('/').default('/redoc'),
  })
  .prefault({});
