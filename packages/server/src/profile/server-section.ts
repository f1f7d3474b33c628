import { z } from 'zod';
import { envBoolean, envNumber, port } from './coerce.js';

export const serverSection = z
  .strictObject({
    /** `auto`: 0.0.0.0 when every surface requires credentials, else 127.0.0.1 only. */
    host: z.string().min(1).default('auto'),
    port: envNumber(port().default(8080)),
    /** Largest accepted request body, in bytes. */
    bodyLimit: envNumber(z.number().int().positive().default(1_048_576)),
    /** Trust X-Forwarded-* from a proxy in front. */
    trustProxy: envBoolean(z.boolean().default(false)),
    /** How long shutdown waits for in-flight requests. */
    shutdownTimeoutMs: envNumber(z.number().int().nonnegative().default(10_000)),
  })
  .prefault({});
