import { z } from '@llm-gateway/spec';

const day = 24 * 60 * 60;

/** The surface's `responses` settings: how long and how much of the Responses API's stored responses are kept. */
export const responsesConfigSchema = z
  .strictObject({
    /** How long a stored response can be read or continued (default one day; at most 30 days). */
    ttlSeconds: z.coerce
      .number()
      .int()
      .positive()
      .max(30 * day)
      .default(day),
    /** The largest stored response, its conversation included (default 4 MiB): longer ones need `store: false`. */
    maxRecordBytes: z.coerce
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024),
    /** Without Redis: how many responses this process keeps (oldest dropped first). */
    memoryMaxEntries: z.coerce.number().int().positive().default(1000),
    /** Without Redis: the total size this process keeps (default 64 MiB). */
    memoryMaxBytes: z.coerce
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
  })
  .prefault({});

export type ResponsesConfig = z.output<typeof responsesConfigSchema>;
