import { blankSetting } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';

export const configSchema = z.strictObject({
  /** Directory of the daily files (the seed's CSV_FALLBACK_DIR). */
  dir: z.preprocess(blankSetting, z.string().min(1).default('telemetry_logs')),
});

export type CsvSinkConfig = z.infer<typeof configSchema>;
