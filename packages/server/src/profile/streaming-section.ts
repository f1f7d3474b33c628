import { z } from 'zod';
import { envBoolean } from './coerce.js';

/** STREAMING_ENABLED: when false, stream requests get a 400 `streaming_disabled` in the surface's shape. */
export const streamingSection = z
  .strictObject({
    enabled: envBoolean(z.boolean().default(true)),
  })
  .prefault({});
