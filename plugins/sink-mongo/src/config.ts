import { blankSetting } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';

export const configSchema = z.strictObject({
  /** mongodb:// URI; blank (an unset MONGO_URI) switches the sink off. */
  uri: z.preprocess(blankSetting, z.string().min(1).optional()),
  /** Database (the seed's DB_NAME). */
  db: z.preprocess(blankSetting, z.string().min(1).default('dgen_db')),
  collection: z.preprocess(blankSetting, z.string().min(1).default('telemetry')),
  /** How long an unreachable server may take to be noticed (server selection, connect, socket). */
  timeoutMs: z.preprocess(blankSetting, z.coerce.number().int().positive().default(2000)),
});

export type MongoSinkConfig = z.infer<typeof configSchema>;
