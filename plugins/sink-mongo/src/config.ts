import { blankSetting } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';

const ms = (fallback: number) =>
  z.preprocess(blankSetting, z.coerce.number().int().positive().default(fallback));

export const configSchema = z.strictObject({
  /** mongodb:// URI; blank (an unset MONGO_URI) switches the sink off. */
  uri: z.preprocess(blankSetting, z.string().min(1).optional()),
  /** Database (the seed's DB_NAME). */
  db: z.preprocess(blankSetting, z.string().min(1).default('dgen_db')),
  collection: z.preprocess(blankSetting, z.string().min(1).default('telemetry')),
  /** How long an unreachable server may take to be noticed (server selection, connect, socket). */
  timeoutMs: ms(2000),
  /** Server-side limit (`maxTimeMS`) of each usage query; past it the query stops and the API answers 504. */
  queryTimeoutMs: ms(10_000),
  /** Usage queries over the raw records at once (the expensive path); more get a 429 with Retry-After. */
  maxRawQueries: z.preprocess(blankSetting, z.coerce.number().int().positive().default(2)),
  /** How often journaled batches whose rollups never landed (older than this too) are rolled up again. */
  rollupRepairMs: ms(30_000),
});

export type MongoSinkConfig = z.infer<typeof configSchema>;
